"""The Judge0 API as its own ASGI app: mounted at /judge0 on Viva's app (sharing its state:
settings, database, rate limiter) with its own error handlers, so Judge0 clients get
Judge0's error shapes and Viva's routes keep problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from viva.judge0 import errors
from viva.judge0.routes import JUDGE0_VERSION, router

PREFIX = "/judge0"


class Judge0Port:
    """ASGI middleware: a request that arrived on the Judge0 port (`viva serve
    --judge0-port`) is served by the Judge0 API at the root, as a Judge0 server would be;
    nothing else of Viva answers there."""

    def __init__(self, app: ASGIApp, *, port: int) -> None:
        self.app = app
        self.port = port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or (None, None)
        if scope["type"] in ("http", "websocket") and server[1] == self.port:
            scope = dict(scope)
            scope["path"] = PREFIX + scope["path"]
            scope["raw_path"] = PREFIX.encode() + scope.get("raw_path", b"")
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = "Not Found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"error": message}, status_code=exc.status_code)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "invalid request parameters"}, status_code=400)


def create_api() -> FastAPI:
    api = FastAPI(
        title="Viva: Judge0-compatible API",
        version=JUDGE0_VERSION,
        summary="The Judge0 CE API subset on Viva's sandbox (docs/judge0.md)",
        docs_url=None,
        redoc_url=None,
    )
    api.add_exception_handler(errors.Judge0Error, errors.render)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _invalid_request)
    api.include_router(router)
    return api


def mount(parent: FastAPI) -> None:
    """Serve the Judge0 API under /judge0 of `parent`. Its jobs run on the parent's grading
    queue (`jobs.install`, called where the grading context is built)."""
    api = create_api()
    api.state = parent.state  # the same settings, database, grading queue and rate limiter
    parent.mount(PREFIX, api)
    port = parent.state.settings.judge0_port
    if port is not None:
        parent.add_middleware(Judge0Port, port=port)

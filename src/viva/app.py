"""create_app(): settings, database, cache, middleware, routers and the lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from viva import __version__
from viva.accounts import pages as account_pages
from viva.accounts.auth import known_caller
from viva.accounts.auth_cache import AUTH_CACHE_INFO, AuthCache
from viva.accounts.policy import POLICY, PolicyDep
from viva.accounts.routes import router as accounts_router
from viva.bank.builtin import ensure_builtin
from viva.bank.pages import router as bank_pages_router
from viva.bank.routes import router as bank_router
from viva.db import Database, upgrade_async
from viva.errors import AuthFailed, VivaError, install_error_handlers
from viva.events import SESSION_BUS, EventBus
from viva.grading.broker_queue import BrokerQueue
from viva.grading.catalogue import Catalogue
from viva.grading.dependencies import FinishedSubmissions
from viva.grading.pages import router as grading_pages_router
from viva.grading.queue import GradingQueue, InProcessQueue
from viva.grading.routes import router as grading_router
from viva.grading.service import GradingContext
from viva.infra.body_limit import BodySizeLimitMiddleware
from viva.infra.cache import EdgeCacheMiddleware, build_cache
from viva.infra.health import router as health_router
from viva.infra.logging import RequestIdMiddleware, configure_logging, log
from viva.infra.metrics import Metrics, MetricsMiddleware
from viva.infra.metrics import router as metrics_router
from viva.infra.ratelimit import RateLimiter
from viva.infra.redis import RedisClient
from viva.infra.security_headers import SecurityHeadersMiddleware
from viva.judge0 import jobs as judge0_jobs
from viva.judge0.app import mount as mount_judge0
from viva.practice import mock_templates
from viva.practice import subscribers as practice_subscribers
from viva.practice.mock_pages import router as mock_pages_router
from viva.practice.mock_routes import router as mock_router
from viva.practice.pages import router as practice_pages_router
from viva.practice.queue_cache import QUEUE_CACHE_INFO, QueueCache
from viva.practice.routes import router as practice_router
from viva.rooms import subscribers as room_subscribers
from viva.rooms.collab import CollabHub
from viva.rooms.live import RoomChannels
from viva.rooms.notify import Notifier
from viva.rooms.pages import router as rooms_pages_router
from viva.rooms.routes import router as rooms_router
from viva.rooms.service import DocStore
from viva.rooms.sockets import SocketsFirst, socket_routes
from viva.settings import Settings
from viva.web import pages


async def prepare_database(settings: Settings, *, migrate: bool) -> None:
    """Migrate (when asked) and load or refresh the built-in seed track."""
    if migrate:
        await upgrade_async(settings.effective_database_url)
    if not settings.builtin_content:
        return
    database = Database(settings.effective_database_url)
    try:
        async with database.session() as session:
            report = await ensure_builtin(session)
            await mock_templates.ensure_default_template(session)
        if report:
            log.info("builtin_track_loaded", track=report.track, summary=report.summary)
    finally:
        await database.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    redis = RedisClient(settings.redis_url) if settings.redis_url else None
    cache = build_cache(redis=redis, ttl=settings.cache_ttl_seconds, prefix=settings.cache_prefix)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database(
            settings.effective_database_url,
            session_info={
                AUTH_CACHE_INFO: app.state.auth_cache,
                QUEUE_CACHE_INFO: app.state.queue_cache,
                SESSION_BUS: app.state.events,
            },
        )
        await cache.start()
        await app.state.auth_cache.start()
        await app.state.queue_cache.start()
        if settings.sandbox == "none":
            log.warning(
                "sandbox_disabled",
                detail="VIVA_SANDBOX=none: submitted code runs "
                "WITHOUT isolation; use only for trusted single-user practice",
            )
        app.state.grading = grading = GradingContext.build(
            settings=settings,
            database=app.state.database,
            catalogue=app.state.catalogue,
            events=app.state.events,
        )
        judge0_jobs.install(grading, metrics=app.state.metrics)  # Judge0 runs share the queue
        queue: GradingQueue
        if settings.grading_on_redis:  # server mode: `viva worker` processes grade
            if redis is None:
                raise ValueError("VIVA_GRADING_QUEUE=redis needs VIVA_REDIS_URL")
            queue = BrokerQueue(grading, redis=redis)
        else:
            queue = InProcessQueue(grading)
        app.state.grading_queue = queue
        if isinstance(queue, InProcessQueue):
            queue.metrics = app.state.metrics
        grading.enqueue = queue.enqueue
        await queue.start()
        store = DocStore(app.state.database)
        app.state.collab = CollabHub(load=store.load, save=store.save)
        await app.state.collab.start()
        await app.state.notifier.start()
        # What start-up built (modules, the catalogue, routes, pools) lives as long as the
        # process: frozen, out of the collector's sight, so a full collection under load
        # scans only what requests made (shorter pauses: the p99). No gc.collect() first:
        # it would cost every app start (the tests start hundreds) for a little garbage.
        gc.freeze()
        yield
        gc.unfreeze()
        await app.state.notifier.close()
        await app.state.collab.stop()
        await queue.stop()
        await grading.close()
        await app.state.database.dispose()
        await cache.close()
        await app.state.auth_cache.close()
        await app.state.queue_cache.close()
        if redis is not None:
            await redis.close()

    app = FastAPI(
        dependencies=[PolicyDep],
        title="Viva",
        version=__version__,
        summary="Self-hosted interview practice and assessment",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # FastAPI's native OpenTelemetry: Viva configures no provider, yet the check for one
        # (three provider lookups through os.environ) ran on every request, ~15 us under load.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.redis = redis
    app.state.cache = cache
    app.state.metrics = metrics = Metrics(multiproc_dir=settings.metrics_multiproc_dir)
    app.state.catalogue = Catalogue()
    app.state.events = EventBus()
    app.state.auth_cache = AuthCache(redis=redis, prefix=settings.cache_prefix)
    app.state.finished_submissions = FinishedSubmissions()
    app.state.queue_cache = QueueCache(
        ttl=settings.queue_cache_seconds, redis=redis, prefix=settings.cache_prefix
    )
    practice_subscribers.subscribe(
        app.state.events, fuzz=settings.review_fuzzing, queues=app.state.queue_cache
    )
    app.state.rate_limiter = RateLimiter(redis=redis, prefix=settings.cache_prefix)
    app.state.notifier = Notifier(redis=redis, prefix=settings.cache_prefix)
    room_subscribers.subscribe(app.state.events, app.state.notifier)
    app.state.room_channels = RoomChannels()
    install_error_handlers(app, html_pages=_html_error)
    # Busiest signed-in routers first: routing scans the included routers in order (twice
    # per request); tests/web/test_route_order.py keeps the order free of meaning.
    app.include_router(accounts_router)
    app.include_router(practice_router)
    app.include_router(grading_router)
    app.include_router(bank_router)
    app.include_router(mock_router)
    app.include_router(practice_pages_router)
    app.include_router(mock_pages_router)
    app.include_router(rooms_router)
    app.include_router(rooms_pages_router)
    app.router.routes.extend(socket_routes())  # sockets hold no request session (sockets.py)
    app.include_router(grading_pages_router)
    app.include_router(account_pages.router)
    app.include_router(bank_pages_router)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    mount_judge0(app)  # the Judge0-compatible API under /judge0 (docs/judge0.md)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI (vendored) under a Viva header; static/docs.js adds the CSRF header."""
        return pages.render(request, "docs.html", {})

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        """ReDoc (vendored): the API reference on one page."""
        return pages.render(request, "redoc.html", {})

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _document_security(default_openapi())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

    async def vouch(scope: Scope) -> bool:
        return known_caller(
            app.state.auth_cache, scope["headers"], key=settings.effective_secret_key
        )

    app.add_middleware(EdgeCacheMiddleware, cache=cache, authenticate=vouch)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["*"],
        )
    app.add_middleware(SocketsFirst)  # outermost: WebSockets skip the HTTP stack
    return app


SECURITY_SCHEMES: dict[str, Any] = {
    "OAuth2Password": {
        "type": "oauth2",
        "description": "Username and password: a 15-minute bearer access token.",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "APIKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "An API key from POST /api/v1/me/api-keys ('read' or 'submit' scope).",
    },
}


def _document_security(schema: dict[str, Any]) -> None:
    """Declare how to authenticate, and mark each operation the permission map does not
    leave public, so /docs shows Authorize and sends the credentials."""
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if POLICY.get((method.upper(), path)) is not None:  # None: public, or unlisted
                operation["security"] = [{"OAuth2Password": []}, {"APIKey": []}]


def _html_error(request: Request, exc: Exception) -> Response | None:
    """Browsers get an HTML error page on page routes; API clients keep problem+json."""
    if request.url.path.startswith(("/api/", "/static/")) or "text/html" not in request.headers.get(
        "accept", ""
    ):
        return None
    if isinstance(exc, AuthFailed):
        return RedirectResponse(f"/auth/login?next={quote(request.url.path)}", status_code=303)
    if isinstance(exc, VivaError):
        status, title, detail = exc.status, exc.title, exc.detail
    elif isinstance(exc, StarletteHTTPException):
        status, title, detail = (
            exc.status_code,
            "Not found" if exc.status_code == 404 else "Error",
            str(exc.detail),
        )
    else:
        status, title, detail = 422, "Invalid request", "Some of the parameters are not valid."
    return pages.render(
        request, "error.html", {"status": status, "title": title, "detail": detail}, status=status
    )

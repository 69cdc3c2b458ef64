"""The VivaError hierarchy and the one handler that renders errors as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from viva.infra.logging import log

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem document; validation errors add `errors`."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a router may answer with."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}},
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }


class VivaError(Exception):
    """Base of every error Viva reports to a user; carries its HTTP status."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        keep_work: bool = False,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        self.headers = headers or {}
        # The unit of work commits what was written before this error instead of rolling it
        # back (a reused refresh token revokes its family, then answers 401).
        self.keep_work = keep_work
        self.extra = extra


# Core and infrastructure ---------------------------------------------------------------------


class NotFound(VivaError):
    status = 404
    title = "Not found"


class InvalidCursor(VivaError):
    status = 400
    title = "Invalid cursor"


class ServiceUnavailable(VivaError):
    status = 503
    title = "Service unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer (restarting, failed over, unreachable): nothing was done."""

    title = "Database unavailable"


# A lost or refused database connection (not a constraint or a query error): answered 503 with
# Retry-After, so clients and load balancers retry instead of reading it as a server bug.
DATABASE_DOWN: tuple[type[Exception], ...] = (
    ConnectionError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
)


# Accounts: who is calling, and what they may do ----------------------------------------------


class AuthFailed(VivaError):
    status = 401
    title = "Not authenticated"


class LinkExpired(VivaError):
    status = 410
    title = "Sign-in link expired"


class Forbidden(VivaError):
    status = 403
    title = "Forbidden"


class Conflict(VivaError):
    status = 409
    title = "Conflict"


class InvalidAccount(VivaError):
    status = 422
    title = "Invalid account"


class NoPolicy(VivaError):
    """A route the permission map does not list: refused, never served by default."""

    status = 500
    title = "No access policy"


# Question bank ---------------------------------------------------------------------------------


class ImportRejected(VivaError):
    status = 422
    title = "Import rejected"


# Grading and practice -------------------------------------------------------------------------


class SourceRejected(VivaError):
    status = 422
    title = "Source rejected"


class ChallengeRejected(VivaError):
    status = 422
    title = "Challenge rejected"


class InvalidReview(VivaError):
    status = 422
    title = "Invalid review"


class InvalidDispute(VivaError):
    status = 422


class MockError(VivaError):
    status = 409
    title = "Mock interview conflict"


class InvalidMock(VivaError):
    status = 422
    title = "Invalid mock interview"


def problem(
    status: int, title: str, detail: str, *, instance: str = "", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


_LOCATIONS = {
    "body": "",
    "query": "query parameter ",
    "path": "path parameter ",
    "header": "header ",
}


def describe_validation(errors: Sequence[Mapping[str, Any]]) -> str:
    """Pydantic's errors in words (the first, and how many more), not a dump of its locations:
    `("body", "tests", 0, "kind")` + "Field required" -> "'kind' of item 1 of 'tests' is
    required"."""
    if not errors:
        return "it could not be read."
    first = errors[0]
    loc = [p for p in first.get("loc", ()) if p != "__root__"]
    prefix = _LOCATIONS.get(str(loc[0]), "") if loc else ""
    if loc and str(loc[0]) in _LOCATIONS:
        loc = loc[1:]
    parts = [f"item {p + 1}" if isinstance(p, int) else f"'{p}'" for p in reversed(loc)]
    where = prefix + " of ".join(parts)
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    if first.get("type") == "json_invalid":
        text = "the body is not valid JSON"
    elif first.get("type") == "missing" and where:
        text = f"{where} is required"
    elif where:
        text = f"{where}: {message[:1].lower()}{message[1:]}"
    else:
        text = message[:1].lower() + message[1:]
    more = len(errors) - 1
    return text + (f" (and {more} more problem{'s' if more > 1 else ''})." if more else ".")


HtmlErrorPage = Callable[[Request, Exception], Response | None]


def install_error_handlers(app: FastAPI, *, html_pages: HtmlErrorPage | None = None) -> None:
    """problem+json for every error; `html_pages` may answer browsers on page routes instead."""

    async def viva_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, VivaError)
        if html_pages and (page := html_pages(request, exc)):
            return page
        response = problem(
            exc.status, exc.title, exc.detail, instance=request.url.path, **exc.extra
        )
        response.headers.update(exc.headers)
        return response

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if html_pages and (page := html_pages(request, exc)):
            return page
        title = HTTPStatus(exc.status_code).phrase
        response = problem(exc.status_code, title, str(exc.detail), instance=request.url.path)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if html_pages and (page := html_pages(request, exc)):
            return page
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem(
            422,
            "Validation failed",
            f"The request is not valid: {describe_validation(errors)}",
            instance=request.url.path,
            errors=errors,
        )

    async def database_down(request: Request, exc: Exception) -> Response:
        log.warning("database_unavailable", path=request.url.path, error=repr(exc)[:300])
        detail = "The database did not answer; nothing was changed. Try again shortly."
        error = DatabaseUnavailable(detail, headers={"Retry-After": "5"})
        return await viva_error(request, error)

    app.add_exception_handler(VivaError, viva_error)
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, database_down)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)

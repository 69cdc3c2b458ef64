"""Judge0's error shapes: {"error": "..."} (400, 404, 429, 503), {"field": ["..."]} (422) and
an empty body for 401 and 403, each raised as one exception and rendered by one handler."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response


class Judge0Error(Exception):
    status = 400

    def __init__(self, body: Any = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.body = body
        self.headers = headers or {}


class BadRequest(Judge0Error):
    """{"error": message}, 400."""

    def __init__(
        self, message: str, *, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__({"error": message}, headers=headers)
        self.status = status


class Invalid(Judge0Error):
    """A submission Judge0 would not save: {"field": ["message", ...]}, 422."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)


class NotFound(Judge0Error):
    status = 404

    def __init__(self) -> None:
        super().__init__({"error": "Not Found"})


class Unauthorized(Judge0Error):
    """No or a wrong X-Auth-Token: 401 with no body, as Judge0 answers."""

    status = 401


class Forbidden(Judge0Error):
    """No or a wrong X-Auth-User where authorization is needed: 403 with no body."""

    status = 403


async def render(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Judge0Error)
    if exc.body is None:
        return Response(status_code=exc.status, headers=exc.headers)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

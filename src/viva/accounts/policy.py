"""The one permission map: every route's minimum access, checked before the route runs.

A route missing here is refused (and the route-by-role test fails), so a new endpoint
cannot ship without a decision about who may call it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from viva.accounts.auth import SAFE_METHODS, check_csrf, require_role, resolve
from viva.accounts.roles import PUBLIC, Access, Role
from viva.deps import request_session
from viva.errors import Forbidden, NoPolicy

# Who may call: anyone (P), any signed-in user (U: a candidate or above), an interviewer
# or above (IV), an admin (A).
P, U, IV, A = PUBLIC, Role.CANDIDATE, Role.INTERVIEWER, Role.ADMIN

# Public routes that never look at credentials: a probe or a scraper gets the process's state
# even when it sends a stale or revoked token (a sign-out everywhere must not turn liveness
# into a 401), and resolving a caller there would cost a lookup for nothing.
PROBES = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}

POLICY: dict[tuple[str, str], Access] = {
    # question bank
    ("GET", "/api/v1/tracks"): P,
    ("GET", "/api/v1/tracks/{slug}/categories"): P,
    ("GET", "/api/v1/questions"): P,
    ("GET", "/api/v1/questions/{question_id}"): P,
    ("GET", "/api/v1/questions/{question_id}/answer"): P,
    ("GET", "/api/v1/tracks/{slug}/export"): P,
    ("POST", "/api/v1/tracks/import"): A,
    # challenges
    ("GET", "/api/v1/challenges"): P,
    ("GET", "/api/v1/challenges/{slug}"): P,
    ("POST", "/api/v1/challenges"): IV,
    ("POST", "/api/v1/challenges/{slug}/run"): U,
    ("POST", "/api/v1/challenges/{slug}/submissions"): U,
    ("GET", "/api/v1/challenges/{slug}/submissions"): U,
    ("GET", "/api/v1/submissions/{submission_id}"): U,
    # accounts
    ("POST", "/api/v1/auth/token"): P,
    ("POST", "/api/v1/auth/refresh"): P,
    ("POST", "/api/v1/auth/signup"): P,
    ("GET", "/api/v1/admin/settings"): A,
    ("PUT", "/api/v1/admin/settings"): A,
    ("POST", "/api/v1/questions/{question_id}/reveal"): U,
    ("POST", "/api/v1/questions/{question_id}/rating"): U,
    ("POST", "/api/v1/auth/revoke"): P,
    ("POST", "/api/v1/auth/logout-everywhere"): U,
    ("PUT", "/api/v1/me/password"): U,
    ("GET", "/api/v1/me"): U,
    ("GET", "/api/v1/me/progress"): U,
    ("GET", "/api/v1/me/api-keys"): U,
    ("POST", "/api/v1/me/api-keys"): U,
    ("DELETE", "/api/v1/me/api-keys/{key_id}"): U,
    ("GET", "/api/v1/users"): A,
    ("POST", "/api/v1/users"): A,
    ("PATCH", "/api/v1/users/{user_id}"): A,
    ("GET", "/api/v1/audit"): A,
    ("POST", "/api/v1/assignments"): A,
    ("GET", "/api/v1/users/{user_id}/progress"): IV,
    ("GET", "/api/v1/me/candidates"): IV,
    ("POST", "/api/v1/tracks/{slug}/questions"): IV,
    # practice: review and mock interviews
    ("GET", "/api/v1/me/review/queue"): U,
    ("POST", "/api/v1/me/review/{question_id}/check"): U,
    ("POST", "/api/v1/me/review/{question_id}/rating"): U,
    ("GET", "/api/v1/me/review/settings"): U,
    ("PUT", "/api/v1/me/review/settings"): U,
    ("GET", "/api/v1/me/review/stats"): U,
    ("GET", "/api/v1/mock/templates"): U,
    ("POST", "/api/v1/mock/templates"): IV,
    ("POST", "/api/v1/mock/interviews"): U,
    ("GET", "/api/v1/mock/interviews"): U,
    ("GET", "/api/v1/mock/interviews/{interview_id}"): U,
    ("POST", "/api/v1/mock/invites/{token}"): U,
    ("POST", "/api/v1/mock/interviews/{interview_id}/start"): U,
    ("PUT", "/api/v1/mock/interviews/{interview_id}/items/{position}"): U,
    ("POST", "/api/v1/mock/interviews/{interview_id}/items/{position}/hint"): U,
    ("POST", "/api/v1/mock/interviews/{interview_id}/submit"): U,
    ("PUT", "/api/v1/mock/interviews/{interview_id}/items/{position}/score"): IV,
    ("POST", "/api/v1/mock/interviews/{interview_id}/decision"): IV,
    ("GET", "/api/v1/mock/interviews/{interview_id}/report"): U,
    # live interview rooms (their sockets authorise themselves: rooms/sockets.py)
    ("POST", "/api/v1/rooms"): IV,
    ("POST", "/api/v1/notifications/announce"): A,
    ("GET", "/api/v1/rooms"): U,
    ("GET", "/api/v1/rooms/{room_id}"): U,
    ("POST", "/api/v1/rooms/invites/{token}"): U,
    ("PUT", "/api/v1/rooms/{room_id}/private"): IV,
    ("POST", "/api/v1/rooms/{room_id}/load"): IV,
    ("POST", "/api/v1/rooms/{room_id}/run"): U,
    ("POST", "/api/v1/rooms/{room_id}/submissions"): U,
    ("POST", "/api/v1/rooms/{room_id}/close"): IV,
    ("GET", "/api/v1/rooms/{room_id}/timeline"): IV,
    # operations and documentation
    ("GET", "/healthz"): P,
    ("GET", "/readyz"): P,
    ("GET", "/metrics"): P,  # for the scraper; the Ingress does not route it (deploy/k8s)
    ("GET", "/docs"): P,
    ("GET", "/redoc"): P,
    # pages
    ("GET", "/"): P,
    ("GET", "/tracks/{slug}"): P,
    ("GET", "/tracks/{slug}/categories/{category}"): P,
    ("GET", "/questions/{question_id}"): P,
    ("GET", "/questions/by-number/{number}"): P,
    ("GET", "/challenges"): P,
    ("GET", "/challenges/{slug}"): P,
    ("GET", "/auth/login"): P,
    ("POST", "/auth/login"): P,
    ("POST", "/auth/logout"): P,
    ("GET", "/auth/signup"): P,
    ("POST", "/auth/signup"): P,
    ("GET", "/auth/link/{token}"): P,
    ("GET", "/progress"): U,
    ("GET", "/candidates"): IV,
    ("GET", "/author/challenge"): IV,
    ("GET", "/author/question"): IV,
    ("POST", "/author/question"): IV,
    ("POST", "/author/challenge"): IV,
    ("GET", "/candidates/{user_id}"): IV,
    ("GET", "/admin/assignments"): A,
    ("POST", "/admin/assignments"): A,
    ("GET", "/practice"): U,
    ("POST", "/practice/settings"): U,
    ("GET", "/practice/next"): U,
    ("GET", "/practice/review/{question_id}"): U,
    ("POST", "/practice/review/{question_id}/reveal"): U,
    ("POST", "/practice/review/{question_id}/dispute"): U,
    ("POST", "/practice/review/{question_id}/rate"): U,
    ("GET", "/rooms"): U,
    ("POST", "/rooms"): IV,
    ("GET", "/rooms/invite/{token}"): U,
    ("GET", "/rooms/{room_id}"): U,
    ("GET", "/rooms/{room_id}/replay"): IV,
    ("GET", "/mock"): U,
    ("POST", "/mock"): U,
    ("POST", "/mock/templates"): IV,
    ("GET", "/mock/invite/{token}"): U,
    ("GET", "/mock/{interview_id}"): U,
    ("GET", "/mock/{interview_id}/live"): U,
    ("POST", "/mock/{interview_id}/start"): U,
    ("POST", "/mock/{interview_id}/save"): U,
    ("GET", "/mock/{interview_id}/report"): U,
    ("GET", "/mock/{interview_id}/report.md"): U,
    ("GET", "/mock/{interview_id}/score"): IV,
    ("POST", "/mock/{interview_id}/score"): IV,
}


def iter_api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute of an app, including those of routers it included."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from iter_api_routes(list(inner.routes))


async def enforce_policy(request: Request) -> None:
    """The permission map's rule for the matched route (only `request` is a parameter: each
    dependency FastAPI solves costs about as much as the auth cache lookup itself)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    method = "GET" if request.method == "HEAD" else request.method
    key = (method, route.path)
    if key not in POLICY:
        raise NoPolicy(f"{method} {route.path} has no entry in the permission map")
    needed = POLICY[key]
    if key in PROBES:
        return
    principal = await resolve(
        request, partial(request_session, request), request.app.state.settings
    )
    if needed is not PUBLIC:
        require_role(principal, needed)
    if principal is not None and request.method not in SAFE_METHODS:
        if principal.via == "session":
            await check_csrf(request)
        elif principal.via == "api_key" and "submit" not in principal.scopes:
            raise Forbidden("this API key is read-only (scope 'read'); create one with 'submit'")


PolicyDep = Depends(enforce_policy)

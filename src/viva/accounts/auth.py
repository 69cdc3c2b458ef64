"""Who is calling: a bearer JWT, an API key, or the browser's session cookie (with CSRF).

The one permission map (`policy.POLICY`) is enforced for every route by `enforce_policy`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import security, service
from viva.accounts.models import User
from viva.accounts.service import AuthFailed, Forbidden
from viva.settings import Settings

SESSION_COOKIE = "viva_session"
CSRF_COOKIE = "viva_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Principal:
    user: User
    via: Literal["bearer", "api_key", "session"]
    scopes: list[str] = field(default_factory=list)


async def resolve(request: Request, session: AsyncSession, settings: Settings) -> Principal | None:
    """The caller, once per request; None for anonymous. Bad credentials are an error, not
    anonymity, so a client never silently loses its identity."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    key = settings.effective_secret_key
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        claims = security.decode_token(authorization[7:].strip(), kind="access", key=key)
        user = await service.get_user(session, user_id=int(claims["sub"])) if claims else None
        if user is None:
            raise AuthFailed(
                "the access token is not valid", headers={"WWW-Authenticate": "Bearer"}
            )
        principal = Principal(user, "bearer")
    elif api_key := request.headers.get("x-api-key"):
        found = await service.user_for_api_key(session, secret=api_key)
        if found is None:
            raise AuthFailed("the API key is not valid")
        principal = Principal(found[0], "api_key", found[1])
    elif cookie := request.cookies.get(SESSION_COOKIE):
        claims = security.decode_token(cookie, kind="session", key=key)
        user = await service.get_user(session, user_id=int(claims["sub"])) if claims else None
        if user is not None:
            principal = Principal(user, "session")
    request.state.principal = principal
    return principal


async def check_csrf(request: Request) -> None:
    """Double-submit: a state-changing request made with the session cookie carries the CSRF
    cookie's value in a header (fetch, HTMX) or a form field (plain forms)."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not hmac.compare_digest(expected, sent):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")


def require_role(principal: Principal | None, level: int) -> User:
    from viva.accounts.policy import ROLE_LEVEL

    if principal is None:
        raise AuthFailed("sign in first", headers={"WWW-Authenticate": "Bearer"})
    if ROLE_LEVEL.get(principal.user.role, 0) < level:
        raise Forbidden(f"this needs the {['', 'candidate', 'interviewer', 'admin'][level]} role")
    return principal.user

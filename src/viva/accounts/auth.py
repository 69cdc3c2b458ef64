"""Who is calling: a bearer JWT, an API key, or the browser's session cookie (with CSRF).

The one permission map (`policy.POLICY`) is enforced for every route by `enforce_policy`.
Who a credential belongs to is kept for a short while (`auth_cache.AuthCache`).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import public, security, service
from viva.accounts.auth_cache import AuthCache, UserRow, detached
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.errors import AuthFailed, Forbidden
from viva.infra import tokens
from viva.settings import Settings
from viva.web.cookies import CSRF_COOKIE, SESSION_COOKIE

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Principal:
    """The caller. `user` may be a detached copy from the auth cache: read it freely, but load
    the row (`session.get(User, id)`) to change the account."""

    user: User
    via: Literal["bearer", "api_key", "session"]
    scopes: list[str] = field(default_factory=list)


# Where a lookup that missed the cache gets its session: the caller's session, or a function
# that opens the request's unit of work only then.
SessionSource = AsyncSession | Callable[[], AsyncSession]


def _session_of(source: SessionSource) -> AsyncSession:
    return source if isinstance(source, AsyncSession) else source()


def _token_claims(
    cache: AuthCache | None, token: str, *, kind: str, key: str
) -> tuple[int, int] | None:
    """(subject, token version) of a valid, unexpired token."""
    if cache is not None and (hit := cache.tokens.get((kind, token))) is not None:
        return (hit[0], hit[2]) if hit[1] > time.time() else None
    claims = security.decode_token(token, kind=kind, key=key)
    if claims is None:
        return None
    subject, version = int(claims["sub"]), security.token_version(claims)
    if cache is not None:
        cache.tokens.set((kind, token), (subject, float(claims["exp"]), version))
    return subject, version


async def _active_user(
    cache: AuthCache | None, session: SessionSource, user_id: int, version: int | None = None
) -> User | None:
    """The active user, if `version` (a token's) is still theirs (None: no token, an API key).

    Asks the process's cache, then Redis, then the database. A token newer than the cached
    row (issued after a change this process has not heard of yet) sends the lookup to the
    database, so a fresh sign-in is never refused."""
    stale = False
    if cache is not None:
        row = cache.users.get(user_id)
        if row is None:
            found_shared, row = await cache.shared_user(user_id)
            if found_shared and row is None:
                return None  # a tombstone: disabled or deleted
            if row is not None:
                cache.users.set(user_id, row)
        if row is not None:
            if version is None or version == row.token_version:
                return detached(row)
            if version < row.token_version:
                return None
            stale = True
    found = await public.get_user(_session_of(session), user_id=user_id)
    if found is None:
        return None
    if cache is not None:
        cache.keep_user(found)
        await cache.share_user(UserRow.of(found), overwrite=stale)
    if version is not None and version != found.token_version:
        return None
    return found


async def _api_key_owner(
    cache: AuthCache | None, session: SessionSource, secret: str
) -> tuple[User, list[str]] | None:
    digest = tokens.digest(secret)
    if cache is not None and (hit := cache.api_keys.get(digest)) is not None:
        user = await _active_user(cache, session, hit[0])
        return (user, list(hit[1])) if user is not None else None
    found = await service.user_for_api_key(_session_of(session), secret=secret)
    if found is not None and cache is not None:
        cache.api_keys.set(digest, (found[0].id, tuple(found[1])))
        cache.keep_user(found[0])
    return found


def known_caller(cache: AuthCache, headers: list[tuple[bytes, bytes]], *, key: str) -> bool:
    """Whether the bearer token or API key in these ASGI headers belongs to an active user
    the cache already knows, decided without the database. False means "ask the app"."""
    authorization = next((v for k, v in headers if k == b"authorization"), b"")
    api_key = next((v for k, v in headers if k == b"x-api-key"), b"")
    if authorization[:7].lower() == b"bearer ":  # the order `resolve` follows
        token = authorization[7:].decode("latin-1").strip()
        claims = _token_claims(cache, token, kind="access", key=key)
        if claims is None:
            return False
        row = cache.users.get(claims[0])
        return row is not None and row.token_version == claims[1]
    if api_key:
        hit = cache.api_keys.get(tokens.digest(api_key.decode("latin-1")))
        return hit is not None and cache.users.get(hit[0]) is not None
    return False


async def resolve(request: Request, session: SessionSource, settings: Settings) -> Principal | None:
    """The caller, once per request; None for anonymous. Bad credentials are an error, not
    anonymity, so a client never silently loses its identity. `session` is used only when
    the auth cache does not know the credentials."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    key = settings.effective_secret_key
    cache: AuthCache | None = getattr(request.app.state, "auth_cache", None)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        claims = _token_claims(cache, authorization[7:].strip(), kind="access", key=key)
        user = await _active_user(cache, session, *claims) if claims is not None else None
        if user is None:
            raise AuthFailed(
                "the access token is not valid", headers={"WWW-Authenticate": "Bearer"}
            )
        principal = Principal(user, "bearer")
    elif api_key := request.headers.get("x-api-key"):
        found = await _api_key_owner(cache, session, api_key)
        if found is None:
            raise AuthFailed("the API key is not valid")
        principal = Principal(found[0], "api_key", found[1])
    elif cookie := request.cookies.get(SESSION_COOKIE):
        claims = _token_claims(cache, cookie, kind="session", key=key)
        user = await _active_user(cache, session, *claims) if claims is not None else None
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


def require_role(principal: Principal | None, needed: Role) -> User:
    """The signed-in user when their role includes `needed`."""
    if principal is None:
        raise AuthFailed("sign in first", headers={"WWW-Authenticate": "Bearer"})
    if not principal.user.role.includes(needed):
        raise Forbidden(f"this needs the {needed} role")
    return principal.user

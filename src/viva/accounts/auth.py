"""Who is calling: a bearer JWT, an API key, or the browser's session cookie (with CSRF).

The one permission map (`policy.POLICY`) is enforced for every route by `enforce_policy`.
Who a credential belongs to is kept for `AUTH_CACHE_SECONDS` (see `AuthCache`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fastapi import Request
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from viva.accounts import public, security, service
from viva.accounts.models import ApiKey, User
from viva.accounts.roles import Role
from viva.errors import AuthFailed, Forbidden
from viva.infra import tokens
from viva.infra.redis import RedisClient
from viva.infra.ttl import TtlMap
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


# The bound on how long a change made elsewhere can go unnoticed: a user deleted, disabled
# or given another role, or an API key revoked, is refused within this many seconds on
# every process; at once on the process whose session committed the change (see below).
AUTH_CACHE_SECONDS = 2.0
AUTH_CACHE_INFO = "viva.auth_cache"  # Session.info key: the app's AuthCache
_STALE_INFO = "viva.auth_stale"  # Session.info key: cache keys to drop after the commit


_USER_MAPPER = inspect(User)


@dataclass(frozen=True, slots=True)
class _UserRow:
    id: int
    username: str
    role: Role
    created_at: datetime
    password_hash: str | None


class AuthCache:
    """Recently resolved credentials, so a signed-in request needs no database round trip.

    Keeps the claims of valid JWTs (their expiry still checked on every use), the active
    users they name, and API keys (hash -> owner and scopes). Entries live
    `AUTH_CACHE_SECONDS`; a commit that changes a user or revokes a key drops them at once,
    and with Redis it tells every other process to drop them too (pub/sub, milliseconds).
    Entries stay in process memory either way; if Redis is unreachable the TTL still holds.
    """

    def __init__(
        self,
        *,
        ttl: float = AUTH_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        redis_url: str | None = None,
        redis: RedisClient | None = None,
        prefix: str = "viva",
    ) -> None:
        self.users: TtlMap[_UserRow] = TtlMap(ttl=ttl, clock=clock)
        self.tokens: TtlMap[tuple[int, float]] = TtlMap(ttl=ttl, clock=clock)
        self.api_keys: TtlMap[tuple[int, tuple[str, ...]]] = TtlMap(ttl=ttl, clock=clock)
        self._owns_redis = redis is None and redis_url is not None
        self.redis = redis or (RedisClient(redis_url) if redis_url else None)
        self.channel = f"{prefix}:auth:invalidate"
        self._listening = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self.redis is None:
            return
        listener = self.redis.listen(self.channel, self._received, subscribed=self._subscribed)
        self._tasks.add(listener)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout=5)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.redis is not None and self._owns_redis:
            await self.redis.close()

    # While Redis is down the other processes miss these messages: the TTL bound still holds.
    async def _subscribed(self) -> None:
        self._listening.set()

    async def _received(self, data: bytes) -> None:
        self._drop([(str(k), v) for k, v in json.loads(data)])

    def user(self, user_id: int) -> User | None:
        """A detached copy of the cached user: never shared between requests."""
        row = self.users.get(user_id)
        if row is None:
            return None
        # As the ORM loads a row: values straight into the instance's dict, then the identity
        # key, which is all `make_transient_to_detached` adds for a row with every column
        # present. A tenth of the cost of `User(...)`, which records each value as a change.
        user: User = _USER_MAPPER.class_manager.new_instance()
        user.__dict__.update(
            id=row.id,
            username=row.username,
            role=row.role,
            is_active=True,
            created_at=row.created_at,
            password_hash=row.password_hash,
        )
        inspect(user).key = _USER_MAPPER.identity_key_from_primary_key((row.id,))
        return user

    def keep_user(self, user: User) -> None:
        row = _UserRow(user.id, user.username, user.role, user.created_at, user.password_hash)
        self.users.set(user.id, row)

    def forget(self, keys: set[tuple[str, Hashable]]) -> None:
        """Drop these entries here and, with Redis, in every other process."""
        self._drop(keys)
        if self.redis is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a synchronous caller): the TTL bound holds
                return
            task = loop.create_task(self._publish(sorted(keys, key=str)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _publish(self, keys: list[tuple[str, Hashable]]) -> None:
        assert self.redis is not None
        # During an outage (logged once by the client) the other processes fall back on
        # the TTL.
        await self.redis.publish(self.channel, json.dumps(keys))

    def _drop(self, keys: Iterable[tuple[str, Hashable]]) -> None:
        for kind, key in keys:
            if kind == "user":
                self.users.discard(key)
            else:
                self.api_keys.discard(key)


# Where a lookup that missed the cache gets its session: the caller's session, or a function
# that opens the request's unit of work only then.
SessionSource = AsyncSession | Callable[[], AsyncSession]


def _session_of(source: SessionSource) -> AsyncSession:
    return source if isinstance(source, AsyncSession) else source()


def _token_subject(cache: AuthCache | None, token: str, *, kind: str, key: str) -> int | None:
    if cache is not None and (hit := cache.tokens.get((kind, token))) is not None:
        return hit[0] if hit[1] > time.time() else None
    claims = security.decode_token(token, kind=kind, key=key)
    if claims is None:
        return None
    subject = int(claims["sub"])
    if cache is not None:
        cache.tokens.set((kind, token), (subject, float(claims["exp"])))
    return subject


async def _active_user(
    cache: AuthCache | None, session: SessionSource, user_id: int
) -> User | None:
    if cache is not None and (user := cache.user(user_id)) is not None:
        return user
    found = await public.get_user(_session_of(session), user_id=user_id)
    if found is not None and cache is not None:
        cache.keep_user(found)
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
        subject = _token_subject(cache, token, kind="access", key=key)
        return subject is not None and cache.users.get(subject) is not None
    if api_key:
        hit = cache.api_keys.get(tokens.digest(api_key.decode("latin-1")))
        return hit is not None and cache.users.get(hit[0]) is not None
    return False


@event.listens_for(Session, "before_flush")
def _note_account_changes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(AUTH_CACHE_INFO) is None:
        return
    stale: set[tuple[str, Hashable]] = session.info.setdefault(_STALE_INFO, set())
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, User):
            stale.add(("user", obj.id))
        elif isinstance(obj, ApiKey) and (
            obj in session.deleted or inspect(obj).attrs.revoked_at.history.has_changes()
        ):
            stale.add(("key", obj.key_hash))


@event.listens_for(Session, "after_commit")
def _drop_stale_entries(session: Session) -> None:
    stale = session.info.pop(_STALE_INFO, None)
    cache = session.info.get(AUTH_CACHE_INFO)
    if stale and isinstance(cache, AuthCache):
        cache.forget(stale)


@event.listens_for(Session, "after_rollback")
def _discard_noted_changes(session: Session) -> None:
    session.info.pop(_STALE_INFO, None)


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
        subject = _token_subject(cache, authorization[7:].strip(), kind="access", key=key)
        user = await _active_user(cache, session, subject) if subject is not None else None
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
        subject = _token_subject(cache, cookie, kind="session", key=key)
        user = await _active_user(cache, session, subject) if subject is not None else None
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

"""Who a credential belongs to, kept for `AUTH_CACHE_SECONDS` in each process (and with Redis
shared between processes), and dropped when a committed change makes an entry stale: the
session hooks below note each account change at flush and act on it after the commit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, configure_mappers
from sqlalchemy.orm.attributes import instance_state

from viva.accounts.models import ApiKey, User
from viva.accounts.roles import Role
from viva.infra.redis import RedisClient, RedisUnavailable
from viva.infra.ttl import TtlMap

# The bound on how long a change made elsewhere can go unnoticed in one process: a user
# deleted, disabled or given another role, a password changed, a sign-out everywhere, or an
# API key revoked, is refused within this many seconds on every process; at once on the
# process whose session committed the change, and with Redis on every process (see below).
AUTH_CACHE_SECONDS = 2.0
# With Redis, resolved users are shared there too (`{prefix}:auth:user:{id}`), so a process
# whose own entry expired asks Redis instead of the database. A committed change overwrites
# the shared entry at once; if the committing process could not reach Redis, the entry is
# deleted when Redis answers again, and lives this many seconds at most.
AUTH_SHARED_SECONDS = 15
AUTH_CACHE_INFO = "viva.auth_cache"  # Session.info key: the app's AuthCache
_STALE_INFO = "viva.auth_stale"  # Session.info key: cache keys to drop after the commit
# What bumps a user's token version (and so revokes every access token and session cookie).
REVOKING_CHANGES = ("password_hash", "role", "is_active")


_USER_MAPPER = inspect(User)


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    username: str
    role: Role
    created_at: datetime
    password_hash: str | None
    token_version: int

    @classmethod
    def of(cls, user: User) -> UserRow:
        return cls(
            user.id,
            user.username,
            user.role,
            user.created_at,
            user.password_hash,
            user.token_version,
        )

    def dumps(self) -> str:
        return json.dumps(
            [
                self.id,
                self.username,
                self.role.value,
                self.created_at.isoformat(),
                self.password_hash,
                self.token_version,
            ]
        )

    @classmethod
    def loads(cls, data: bytes | str) -> UserRow | None:
        """A shared entry; None for a tombstone (a disabled or deleted user)."""
        values = json.loads(data)
        if values is None:
            return None
        user_id, username, role, created, password_hash, version = values
        return cls(
            int(user_id),
            str(username),
            Role(role),
            datetime.fromisoformat(created),
            password_hash,
            int(version),
        )


_ROW_COLUMNS = (
    "id",
    "username",
    "role",
    "created_at",
    "password_hash",
    "is_active",
    "token_version",
)
TOMBSTONE = "null"  # the shared entry of a user who is disabled or deleted


class AuthCache:
    """Recently resolved credentials, so a signed-in request needs no database round trip.

    Keeps the claims of valid JWTs (their expiry still checked on every use), the active
    users they name (with their token version), and API keys (hash -> owner and scopes).
    Entries live `AUTH_CACHE_SECONDS` in process memory; a commit that changes a user or
    revokes a key drops them at once, and with Redis it tells every other process to drop
    them too (pub/sub, milliseconds) and overwrites the user's shared entry (Redis, kept
    `AUTH_SHARED_SECONDS`), which a process asks before the database. If Redis is
    unreachable the in-process TTL still holds and lookups go to the database.
    """

    def __init__(
        self,
        *,
        ttl: float = AUTH_CACHE_SECONDS,
        shared_ttl: int = AUTH_SHARED_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        redis_url: str | None = None,
        redis: RedisClient | None = None,
        prefix: str = "viva",
    ) -> None:
        self.users: TtlMap[UserRow] = TtlMap(ttl=ttl, clock=clock)
        self.tokens: TtlMap[tuple[int, float, int]] = TtlMap(ttl=ttl, clock=clock)
        self.api_keys: TtlMap[tuple[int, tuple[str, ...]]] = TtlMap(ttl=ttl, clock=clock)
        self.shared_ttl = shared_ttl
        self._owns_redis = redis is None and redis_url is not None
        self.redis = redis or (RedisClient(redis_url) if redis_url else None)
        self.prefix = prefix
        self.channel = f"{prefix}:auth:invalidate"
        self._listening = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unwritten: set[int] = set()  # shared entries a failed write left stale
        if self.redis is not None:
            self.redis.on_recovery(self._delete_unwritten)

    def shared_key(self, user_id: int) -> str:
        return f"{self.prefix}:auth:user:{user_id}"

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
        return None if row is None else detached(row)

    def keep_user(self, user: User) -> None:
        self.users.set(user.id, UserRow.of(user))

    async def shared_user(self, user_id: int) -> tuple[bool, UserRow | None]:
        """(found, row) from Redis: (True, None) is a tombstone, (False, None) a miss or an
        outage (ask the database)."""
        if self.redis is None:
            return False, None
        try:
            data = await self.redis.call(lambda r: r.get(self.shared_key(user_id)))
        except RedisUnavailable:
            return False, None
        if data is None:
            return False, None
        return True, UserRow.loads(data)

    async def share_user(self, row: UserRow, *, overwrite: bool = False) -> None:
        """Offer a row read from the database. Unless `overwrite` (the entry there is known to
        be older), an entry already there wins: a committed change's, which a read that began
        before the commit must not replace."""
        if self.redis is None:
            return
        key, data = self.shared_key(row.id), row.dumps()
        with contextlib.suppress(RedisUnavailable):
            await self.redis.call(lambda r: r.set(key, data, ex=self.shared_ttl, nx=not overwrite))

    def forget(
        self,
        keys: set[tuple[str, Hashable]],
        rows: dict[int, UserRow | None] | None = None,
    ) -> None:
        """Drop these entries here and, with Redis, in every other process; `rows` are the
        committed states of changed users (None: disabled or deleted) for the shared entries."""
        self._drop(keys)
        if self.redis is not None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (a synchronous caller): the TTL bound holds
                return
            task = loop.create_task(self._publish(sorted(keys, key=str), rows or {}))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _publish(
        self, keys: list[tuple[str, Hashable]], rows: dict[int, UserRow | None]
    ) -> None:
        assert self.redis is not None
        users = {int(k) for kind, k in keys if kind == "user" and isinstance(k, int)}
        try:
            await self.redis.call(lambda r: self._write_shared(r, users, rows))
        except RedisUnavailable:
            self._unwritten |= users
        # During an outage (logged once by the client) the other processes fall back on
        # the TTL.
        await self.redis.publish(self.channel, json.dumps(keys))

    async def _write_shared(self, r: Any, users: set[int], rows: dict[int, UserRow | None]) -> None:
        pipe = r.pipeline(transaction=False)
        for user_id in sorted(users):
            if user_id in rows:
                row = rows[user_id]
                data = TOMBSTONE if row is None else row.dumps()
                pipe.set(self.shared_key(user_id), data, ex=self.shared_ttl)
            else:
                pipe.delete(self.shared_key(user_id))
        await pipe.execute()

    async def _delete_unwritten(self) -> None:
        stale, self._unwritten = self._unwritten, set()
        if stale and self.redis is not None:
            try:
                await self.redis.call(lambda r: r.delete(*(self.shared_key(i) for i in stale)))
            except RedisUnavailable:
                self._unwritten |= stale

    def _drop(self, keys: Iterable[tuple[str, Hashable]]) -> None:
        for kind, key in keys:
            if kind == "user":
                self.users.discard(key)
            else:
                self.api_keys.discard(key)


def detached(row: UserRow) -> User:
    # As the ORM loads a row: values straight into the instance's dict, then the identity
    # key, which is all `make_transient_to_detached` adds for a row with every column
    # present. A tenth of the cost of `User(...)`, which records each value as a change.
    # A process that signs its first user in from the shared Redis entry has run no query,
    # so the mappers may not be configured yet; an instance built before that has attributes
    # with no implementation (AttributeError on `user.role`). Cheap once configured.
    configure_mappers()
    user: User = _USER_MAPPER.class_manager.new_instance()
    user.__dict__.update(
        id=row.id,
        username=row.username,
        role=row.role,
        is_active=True,
        created_at=row.created_at,
        password_hash=row.password_hash,
        token_version=row.token_version,
    )
    # instance_state, not inspect(): inspect() walks the inspection registry every call
    instance_state(user).key = _USER_MAPPER.identity_key_from_primary_key((row.id,))
    return user


@event.listens_for(Session, "before_flush")
def _note_account_changes(session: Session, _context: Any, _instances: Any) -> None:
    dirty = session.dirty  # computed from the identity map: once
    for obj in dirty:
        if isinstance(obj, User):
            attrs = inspect(obj).attrs
            if not attrs.token_version.history.has_changes() and any(
                attrs[name].history.has_changes() for name in REVOKING_CHANGES
            ):
                obj.token_version = (obj.token_version or 0) + 1
    if session.info.get(AUTH_CACHE_INFO) is None:
        return
    stale: dict[tuple[str, Hashable], User | None] = session.info.setdefault(_STALE_INFO, {})
    for obj in [*dirty, *session.deleted]:
        if isinstance(obj, User):
            gone = obj in session.deleted
            stale[("user", obj.id)] = None if gone else obj
        elif isinstance(obj, ApiKey) and (
            obj in session.deleted or inspect(obj).attrs.revoked_at.history.has_changes()
        ):
            stale[("key", obj.key_hash)] = None


def _committed_row(user: User | None) -> UserRow | bool | None:
    """The shared entry of a changed user: a row, None (tombstone), or False (unknown: the
    instance was expired, so the entry is deleted instead)."""
    if user is None:
        return None
    loaded = user.__dict__
    if not all(name in loaded for name in _ROW_COLUMNS):
        return False
    return UserRow.of(user) if user.is_active else None


@event.listens_for(Session, "after_commit")
def _drop_stale_entries(session: Session) -> None:
    stale: dict[tuple[str, Hashable], User | None] | None = session.info.pop(_STALE_INFO, None)
    cache = session.info.get(AUTH_CACHE_INFO)
    if not stale or not isinstance(cache, AuthCache):
        return
    rows: dict[int, UserRow | None] = {}
    for (kind, key), user in stale.items():
        if kind == "user" and isinstance(key, int):
            row = _committed_row(user)
            if row is not False:
                rows[key] = row if isinstance(row, UserRow) else None
    cache.forget(set(stale), rows)


@event.listens_for(Session, "after_rollback")
def _discard_noted_changes(session: Session) -> None:
    session.info.pop(_STALE_INFO, None)

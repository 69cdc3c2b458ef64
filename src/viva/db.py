"""Engine, sessions, the declarative Base with explicit constraint names, and migrations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from viva.errors import VivaError
from viva.infra.logging import log

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def dialect_of(target: str | AsyncSession | AsyncConnection | Connection) -> str:
    """The one dialect check: "sqlite" or "postgresql", for a URL, a session or a connection."""
    if isinstance(target, str):
        return make_url(target).get_backend_name()
    if isinstance(target, AsyncSession):
        return target.get_bind().dialect.name
    return target.dialect.name


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if dialect_of(url) == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A connection opened past the pool is closed when given back: under load that is a
        # new connection (on SQLite a new thread) per request. Keep enough of them.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 10)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 20)  # was 10: 32 callers churned new connections
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


PING_IDLE_SECONDS = 1.0  # a pooled connection given back longer ago than this is pinged
_CHECKED_IN = "viva.checked_in"  # the connection record's info: when it was given back


def ping_when_idle(engine: AsyncEngine, *, clock: Callable[[], float] = time.monotonic) -> None:
    """Ping a pooled connection on checkout only when it sat idle for `PING_IDLE_SECONDS`.

    `pool_pre_ping` pings on every checkout; on asyncpg that is three round trips (BEGIN,
    `;`, ROLLBACK), more than the rest of a rating. A connection given back moments ago
    was alive then; one that sat idle (the database may have restarted meanwhile) is
    pinged, and a dead one is replaced, with every older one, before the caller sees it,
    as `pool_pre_ping` does."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_CHECKED_IN] = clock()

    @event.listens_for(pool, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        given_back = record.info.get(_CHECKED_IN)
        if given_back is None or clock() - given_back < PING_IDLE_SECONDS:
            return  # a new connection, or one in use moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise sqlalchemy_exc.InvalidatePoolError(
                f"idle connection failed its ping: {exc!r}"
            ) from exc
        if not alive:
            raise sqlalchemy_exc.InvalidatePoolError("idle connection failed its ping")


AFTER_COMMIT = "viva.after_commit"
AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the unit of work that owns `session` has committed.

    Enqueueing a job, invalidating a cache or publishing an event must not happen for a
    transaction that rolls back, nor before its rows are visible to other connections:
    services register such work here and the unit of work runs it after `COMMIT`.
    Callbacks of a unit of work that rolls back are dropped.
    """
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


WRITE_TURNS = "viva.write_turns"  # Session.info: the database's `WriteTurns`
_HELD_TURN = "viva.held_turn"


class WriteTurns:
    """Turns to write, taken in this process before a read-then-write and held to the end
    of the unit of work: on SQLite one turn for the whole database (it has one writer), on
    PostgreSQL one per key (a row). A writer waiting for its turn holds no pooled
    connection and no database lock, and polls nothing."""

    def __init__(self, *, whole_database: bool) -> None:
        self.whole_database = whole_database
        self._turns: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}  # key -> lock, users

    async def take(self, key: Hashable) -> None:
        lock, users = self._turns.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            await lock.acquire()
        except BaseException:
            self._leave(key)
            raise

    def give_back(self, key: Hashable) -> None:
        self._turns[key][0].release()
        self._leave(key)

    def _leave(self, key: Hashable) -> None:
        users = self._turns[key][1]
        users[0] -= 1
        if not users[0]:
            del self._turns[key]


async def write_turn(session: AsyncSession, key: Hashable) -> None:
    """Wait for this process's turn to write `key` (on SQLite: to write at all) and keep it
    until the unit of work that owns `session` ends.

    SQLite lets one connection write at a time and the others poll for its lock with
    growing sleeps (up to 100 ms each); on PostgreSQL writers of one row wait on its lock
    while each holds a pooled connection (at 256 callers for one row the pool ran dry and
    every route stalled). Here they queue in order, holding nothing. A unit of work holds one
    turn at most (a second request is not waited for, so turns cannot wait on each other);
    other processes still meet the database's own locks."""
    turns = session.info.get(WRITE_TURNS)
    if not isinstance(turns, WriteTurns) or _HELD_TURN in session.info:
        return
    key = None if turns.whole_database else key
    await turns.take(key)
    session.info[_HELD_TURN] = key


def _give_turn_back(session: AsyncSession) -> None:
    if _HELD_TURN in session.info:
        session.info[WRITE_TURNS].give_back(session.info.pop(_HELD_TURN))


async def _run_after_commit(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.info.pop(AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # the commit stands; one failed follow-up must not hide the others
            log.exception("after_commit_failed", callback=getattr(callback, "__qualname__", "?"))


class UnitOfWork:
    """One unit of work, opened lazily: no session exists until `session` is first read, and
    no connection until the session first runs a query (a request the auth cache serves
    never has either).

    `finish` ends it: commit (a `VivaError` with `keep_work` commits too), the `after_commit`
    callbacks, then close; any other exception rolls back and drops them. The connection
    goes back to the pool whatever happens.
    """

    __slots__ = ("_session", "sessionmaker")

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.sessionmaker()
        return self._session

    @property
    def opened(self) -> bool:
        return self._session is not None

    async def finish(self, exc: BaseException | None = None) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if exc is not None and not (isinstance(exc, VivaError) and exc.keep_work):
                session.info.pop(AFTER_COMMIT, None)
                if session.in_transaction():
                    await session.rollback()
                return
            try:
                if session.in_transaction():  # a session that ran no query has nothing to commit
                    await session.commit()
            except BaseException:
                session.info.pop(AFTER_COMMIT, None)
                await session.rollback()
                raise
            await _run_after_commit(session)
        finally:
            try:
                await _close(session)
            finally:
                _give_turn_back(session)


async def _close(session: AsyncSession) -> None:
    # A session still in a transaction holds a pooled connection: shield its release from
    # the cancellation of the task (a client that went away) so it cannot leak. Otherwise
    # closing does no I/O, and `AsyncSession.__aexit__`'s task and shield would cost more
    # than a short request's whole unit of work.
    if session.in_transaction():
        await asyncio.shield(session.close())
    else:
        await session.close()


class Database:
    """The engine and session factory of one running app."""

    def __init__(self, url: str, *, session_info: dict[str, Any] | None = None) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self.engine = create_engine(url)
        # session_info is copied into every session's `info` (the app puts its auth cache
        # there, so a commit that changes an account can drop what the cache knows of it).
        info = dict(session_info or {})
        info[WRITE_TURNS] = WriteTurns(whole_database=self.dialect == "sqlite")
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, info=info)

    def unit_of_work(self) -> UnitOfWork:
        """A lazily opened unit of work; the caller must `finish` it (see `session`)."""
        return UnitOfWork(self.sessionmaker)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The unit of work: committed when the block ends normally, rolled back otherwise.

        This and `UnitOfWork.finish` (which the request lifecycle in `deps.py` uses) are the
        only places that commit; what `after_commit` registered runs after the commit.
        """
        work = self.unit_of_work()
        try:
            yield work.session
        except BaseException as exc:
            await work.finish(exc)
            raise
        await work.finish()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; run it outside the event loop or in a thread)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    await asyncio.to_thread(upgrade, url)

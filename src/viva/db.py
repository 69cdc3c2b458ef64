"""Engine, sessions, the declarative Base with explicit constraint names, and migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
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
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


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


async def _run_after_commit(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.info.pop(AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # the commit stands; one failed follow-up must not hide the others
            log.exception("after_commit_failed", callback=getattr(callback, "__qualname__", "?"))


class Database:
    """The engine and session factory of one running app."""

    def __init__(self, url: str, *, session_info: dict[str, Any] | None = None) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self.engine = create_engine(url)
        # session_info is copied into every session's `info` (the app puts its auth cache
        # there, so a commit that changes an account can drop what the cache knows of it).
        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, info=dict(session_info or {})
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The unit of work: committed when the block ends normally, rolled back otherwise.

        This (used by the request lifecycle in `deps.py`, the CLI and the grading queue) is
        the only place that commits; what `after_commit` registered runs after the commit.
        """
        async with self.sessionmaker() as session:
            try:
                yield session
                if session.in_transaction():  # a request the auth cache served used none
                    await session.commit()
            except VivaError as exc:
                if not exc.keep_work:
                    session.info.pop(AFTER_COMMIT, None)
                    await session.rollback()
                    raise
                await session.commit()
                await _run_after_commit(session)
                raise
            except BaseException:
                session.info.pop(AFTER_COMMIT, None)
                await session.rollback()
                raise
            await _run_after_commit(session)

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

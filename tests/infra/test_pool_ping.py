"""PostgreSQL's pool pings a connection on checkout only when it sat idle: one given back
moments ago goes straight to the next caller (no BEGIN / `;` / ROLLBACK before every
request), one that sat idle and died meanwhile (the server restarted, or killed the
backend) is replaced before any caller sees it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from tests.conftest import PG_ADMIN_DSN
from viva import db
from viva.db import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[tuple[Database, list[int]]]:
    database = Database(postgres_url)
    pings: list[int] = []
    dialect: Any = database.engine.dialect
    real_ping = dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings.append(1)
        return bool(real_ping(dbapi_conn))

    dialect.do_ping = counted
    try:
        yield database, pings
    finally:
        await database.dispose()


async def _backend_pid(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(text("SELECT pg_backend_pid()")))


async def _terminate(pid: int) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
        )  # the kill is asynchronous; give it a round trip
    finally:
        await conn.close()


async def test_a_connection_given_back_moments_ago_is_not_pinged(
    pg: tuple[Database, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, pings = pg
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 3600.0)
    first = await _backend_pid(database)
    for _ in range(20):
        assert await _backend_pid(database) == first  # the same pooled connection
    assert pings == []


async def test_an_idle_connection_that_died_is_replaced_before_the_caller_uses_it(
    pg: tuple[Database, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    database, pings = pg
    monkeypatch.setattr(db, "PING_IDLE_SECONDS", 0.0)  # every given-back one counts as idle
    first = await _backend_pid(database)
    await _terminate(first)
    second = await _backend_pid(database)  # no error: the ping found it dead
    assert second != first
    assert len(pings) == 1
    assert await _backend_pid(database) == second  # alive: pinged, kept
    assert len(pings) == 2


async def test_pool_pre_ping_asked_for_explicitly_is_still_honoured(postgres_url: str) -> None:
    engine = db.create_engine(postgres_url, pool_pre_ping=True)
    try:
        assert engine.sync_engine.pool._pre_ping
    finally:
        await engine.dispose()

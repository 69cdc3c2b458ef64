"""The hot signed-in queries are answered through an index, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from viva.db import Database
from viva.practice.repository import due_cards


async def plan(conn: AsyncConnection, query: Select[Any, Any]) -> str:
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    args = tuple(params[name] for name in compiled.positiontup or ())
    if conn.dialect.name == "sqlite":
        rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
        return "\n".join(str(row[-1]) for row in rows)
    # A test database is tiny, so PostgreSQL would rightly scan it; forbid that to see
    # whether an index can serve the query at all.
    await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = await conn.exec_driver_sql(f"EXPLAIN {compiled}", args)
    return "\n".join(str(row[0]) for row in rows)


async def test_the_review_queue_reads_due_cards_through_the_user_due_index(
    database: Database,
) -> None:
    query = due_cards(user_id=1, track_id=1, at=datetime(2026, 12, 1, tzinfo=UTC))
    async with database.engine.connect() as conn:
        text = await plan(conn, query)
    assert "ix_review_cards_user_id_due" in text, text
    assert "SCAN review_cards" not in text and "Seq Scan on review_cards" not in text, text

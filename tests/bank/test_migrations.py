"""Migration 0010 on both engines: kind and difficulty become nullable without losing a row
(SQLite rebuilds the table, which must not cascade), and the new keys and indexes exist."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tests.conftest import PG_ADMIN_DSN, unavailable, worker_id
from viva.db import create_engine, upgrade


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    from viva.db import alembic_config

    command.downgrade(alembic_config(url), revision)


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database no migration has touched yet."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"viva_test_{worker_id()}_migrate"
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        unavailable(f"PostgreSQL not reachable at {PG_ADMIN_DSN}: {exc}")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield f"postgresql+asyncpg://{PG_ADMIN_DSN.rsplit('/', 1)[0].split('://', 1)[1]}/{name}"
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


ROWS_AT_0009 = [
    "INSERT INTO tracks (id, slug, title, description, source_hash, created_at, updated_at)"
    " VALUES (1, 't', 'T', '', '', '2026-01-01', '2026-01-01')",
    "INSERT INTO categories (id, track_id, slug, title, position) VALUES (1, 1, 'c', 'C', 1)",
    "INSERT INTO questions (id, track_id, category_id, slug, number, position, text, kind,"
    " difficulty, tags, content_hash) VALUES (1, 1, 1, 'q1', 1, 1, 'What is it?', 'theory',"
    " 'hard', '[]', 'h')",
    "INSERT INTO answers (id, question_id, summary, explanation, key_points, pitfalls,"
    ' follow_ups, "references", in_viva, difficulty, kind, tags, content_hash)'
    " VALUES (1, 1, 's', 'e', '[]', '[]', '[]', '[]', '[]', 'hard', 'theory', '[]', 'h')",
    "INSERT INTO users (id, username, role, is_active, created_at)"
    " VALUES (1, 'ann', 'candidate', true, '2026-01-01')",
    "INSERT INTO attempts (id, user_id, question_id, kind, created_at)"
    " VALUES (1, 1, 1, 'reveal', '2026-01-01')",
    # An entry whose actor was deleted before the key existed.
    "INSERT INTO audit_log (id, actor_id, action, target, detail, created_at)"
    " VALUES (1, 99, 'track.import', 't', '{}', '2026-01-01')",
    "INSERT INTO audit_log (id, actor_id, action, target, detail, created_at)"
    " VALUES (2, 1, 'track.import', 't', '{}', '2026-01-01')",
]


async def _execute(url: str, *statements: str) -> list[list[tuple[object, ...]]]:
    engine = create_engine(url)
    results = []
    try:
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
                results.append([tuple(r) for r in result.all()] if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


async def _inspect(url: str) -> dict[str, object]:
    def look(conn: Connection) -> dict[str, object]:
        insp = inspect(conn)
        columns = {
            (t, c["name"]): c["nullable"]
            for t in ("questions", "answers")
            for c in insp.get_columns(t)
        }
        return {
            "nullable": {k: v for k, v in columns.items() if k[1] in ("kind", "difficulty")},
            "indexes": {
                i["name"]
                for t in ("login_links", "attempts", "assignments")
                for i in insp.get_indexes(t)
            },
            "audit_fks": [
                (fk["referred_table"], fk["options"].get("ondelete"))
                for fk in insp.get_foreign_keys("audit_log")
            ],
        }

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(look)
    finally:
        await engine.dispose()


async def test_0010_makes_kind_and_difficulty_nullable_and_keeps_every_row(
    empty_url: str,
) -> None:
    await asyncio.to_thread(upgrade, empty_url, "0009")
    await _execute(empty_url, *ROWS_AT_0009)
    await asyncio.to_thread(upgrade, empty_url, "0010")

    shape = await _inspect(empty_url)
    assert set(shape["nullable"].values()) == {True}  # type: ignore[attr-defined]
    assert {
        "ix_login_links_user_id",
        "ix_attempts_question_id",
        "ix_assignments_candidate_id",
    } <= shape["indexes"]  # type: ignore[operator]
    assert [(t, (d or "").upper()) for t, d in shape["audit_fks"]] == [  # type: ignore[attr-defined]
        ("users", "SET NULL")
    ]
    answers, attempts, audit = await _execute(
        empty_url,
        "SELECT id, kind, difficulty FROM answers",
        "SELECT id FROM attempts",
        "SELECT id, actor_id FROM audit_log ORDER BY id",
    )
    # Rebuilding `questions` on SQLite cascaded into nothing.
    assert answers == [(1, "theory", "hard")]
    assert attempts == [(1,)]
    assert audit == [(1, None), (2, 1)]

    await _execute(
        empty_url,
        "INSERT INTO questions (id, track_id, category_id, slug, number, position, text, tags,"
        " content_hash) VALUES (2, 1, 1, 'q2', 2, 2, 'Unmarked?', '[]', 'h2')",
    )
    await asyncio.to_thread(_downgrade, empty_url, "0009")
    (questions,) = await _execute(
        empty_url, "SELECT id, kind, difficulty FROM questions ORDER BY id"
    )
    assert questions == [(1, "theory", "hard"), (2, "theory", "medium")]

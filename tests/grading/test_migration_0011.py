"""Migration 0011 on both engines: submissions gain their grading claim (claimed_by and a
lease), submitter and author become foreign keys without losing a row, and the lookups of
grading and practice get their indexes; it downgrades cleanly."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from tests.bank.test_migrations import _downgrade, _execute, empty_url
from viva.db import create_engine, upgrade

__all__ = ["empty_url"]  # the fixture, shared with bank's migration test

ROWS_AT_0010 = [
    "INSERT INTO users (id, username, role, is_active, created_at)"
    " VALUES (1, 'ann', 'candidate', true, '2026-01-01')",
    # One submission of a user that still exists, one of a user deleted before the key.
    "INSERT INTO submissions (id, challenge, source, user_id, status, message, tests,"
    " attempts, created_at) VALUES (1, 'palindrome', 'x', 1, 'done', '', '[]', 1, '2026-01-01')",
    "INSERT INTO submissions (id, challenge, source, user_id, status, message, tests,"
    " attempts, created_at) VALUES (2, 'palindrome', 'y', 99, 'queued', '', '[]', 0,"
    " '2026-01-01')",
    "INSERT INTO authored_challenges (id, slug, meta, tests, prompt, starter, solution,"
    " author_id, created_at) VALUES (1, 'clamp', '{}', '[]', 'p', 's', 'r', 99, '2026-01-01')",
]
INDEXES = {
    "submissions": {"ix_submissions_user_id_challenge"},
    "authored_challenges": {"ix_authored_challenges_author_id"},
    "review_cards": {"ix_review_cards_question_id"},
    "review_logs": {"ix_review_logs_card_id"},
    "review_settings": {"ix_review_settings_track_id"},
    "mock_templates": {"ix_mock_templates_track_id", "ix_mock_templates_created_by"},
    "mock_interviews": {"ix_mock_interviews_template_id"},
    "mock_items": {"ix_mock_items_question_id"},
    "point_disputes": {"ix_point_disputes_user_id", "ix_point_disputes_question_id"},
}


async def _shape(url: str) -> dict[str, object]:
    def look(conn: Connection) -> dict[str, object]:
        insp = inspect(conn)
        return {
            "columns": {c["name"] for c in insp.get_columns("submissions")},
            "indexes": {t: {i["name"] for i in insp.get_indexes(t)} for t in INDEXES},
            "fks": {
                t: [
                    (fk["constrained_columns"], fk["referred_table"], fk["options"].get("ondelete"))
                    for fk in insp.get_foreign_keys(t)
                ]
                for t in ("submissions", "authored_challenges")
            },
        }

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(look)
    finally:
        await engine.dispose()


async def test_0011_adds_the_claim_keys_and_indexes_and_keeps_every_row(empty_url: str) -> None:
    await asyncio.to_thread(upgrade, empty_url, "0010")
    await _execute(empty_url, *ROWS_AT_0010)
    await asyncio.to_thread(upgrade, empty_url, "0011")

    shape = await _shape(empty_url)
    assert {"claimed_by", "lease_expires_at"} <= shape["columns"]  # type: ignore[operator]
    indexes: dict[str, set[str]] = shape["indexes"]  # type: ignore[assignment]
    for table, wanted in INDEXES.items():
        assert wanted <= indexes[table], table
    fks: dict[str, list[tuple[list[str], str, str | None]]] = shape["fks"]  # type: ignore[assignment]
    assert [(c, t, (d or "").upper()) for c, t, d in fks["submissions"]] == [
        (["user_id"], "users", "SET NULL")
    ]
    assert [(c, t, (d or "").upper()) for c, t, d in fks["authored_challenges"]] == [
        (["author_id"], "users", "SET NULL")
    ]
    submissions, authored = await _execute(
        empty_url,
        "SELECT id, user_id, status, claimed_by, lease_expires_at FROM submissions ORDER BY id",
        "SELECT id, author_id FROM authored_challenges",
    )
    assert submissions == [(1, 1, "done", None, None), (2, None, "queued", None, None)]
    assert authored == [(1, None)]

    await asyncio.to_thread(_downgrade, empty_url, "0010")
    shape = await _shape(empty_url)
    assert "claimed_by" not in shape["columns"]  # type: ignore[operator]
    assert shape["fks"] == {"submissions": [], "authored_challenges": []}
    (rows,) = await _execute(empty_url, "SELECT id, user_id FROM submissions ORDER BY id")
    assert rows == [(1, 1), (2, None)]

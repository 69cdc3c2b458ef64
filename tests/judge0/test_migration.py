"""Migration 0015 on both engines: every Judge0 submission stored before it gets its grading
row (finished ones done with their verdict, unfinished ones queued again), and the
downgrade gives the Judge0 table its own attempts and timestamps back."""

from __future__ import annotations

import asyncio

from tests.bank.test_migrations import _downgrade, _execute, empty_url
from viva.db import upgrade

__all__ = ["empty_url"]  # the fixture: a database no migration has touched

ROWS_AT_0013 = [
    "INSERT INTO users (id, username, role, is_active, created_at)"
    " VALUES (1, 'ann', 'candidate', true, '2026-01-01')",
    # Wrong Answer; Processing when its process stopped; In Queue.
    "INSERT INTO judge0_submissions (id, token, user_id, language_id, source_code, options,"
    " status_id, stdout, attempts, created_at, started_at, finished_at) VALUES"
    " (1, 't1', 1, 71, 'print(1)', '{}', 4, '2', 1, '2026-01-01', '2026-01-01', '2026-01-02'),"
    " (2, 't2', 1, 71, 'print(1)', '{}', 2, NULL, 1, '2026-01-01', '2026-01-02', NULL),"
    " (3, 't3', 1, 71, 'print(1)', '{}', 1, NULL, 0, '2026-01-01', NULL, NULL)",
]


async def test_0015_gives_every_judge0_submission_a_grading_row_and_back(
    empty_url: str,
) -> None:
    await asyncio.to_thread(upgrade, empty_url, "0013")
    await _execute(empty_url, *ROWS_AT_0013)
    await asyncio.to_thread(upgrade, empty_url, "0015")

    (rows,) = await _execute(
        empty_url,
        "SELECT j.id, j.status_id, j.stdout, s.challenge, s.source, s.status, s.verdict,"
        " s.attempts, s.user_id, s.finished_at IS NOT NULL FROM judge0_submissions j"
        " JOIN submissions s ON s.id = j.submission_id ORDER BY j.id",
    )
    assert rows == [
        (1, 4, "2", "judge0:run", "", "done", "Wrong Answer", 1, None, True),
        (2, 2, None, "judge0:run", "", "queued", None, 1, None, False),
        (3, 1, None, "judge0:run", "", "queued", None, 0, None, False),
    ]

    await asyncio.to_thread(_downgrade, empty_url, "0013")
    judge0, left = await _execute(
        empty_url,
        "SELECT id, status_id, attempts, started_at IS NOT NULL, finished_at IS NOT NULL"
        " FROM judge0_submissions ORDER BY id",
        "SELECT count(*) FROM submissions",
    )
    assert judge0 == [(1, 4, 1, True, True), (2, 1, 1, True, False), (3, 1, 0, False, False)]
    assert left == [(0,)]

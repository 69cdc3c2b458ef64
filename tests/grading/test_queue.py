"""The in-process queue of several processes on one database: each submission is graded
exactly once (issue 12: a starting process re-graded what a live one was grading)."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import select

from tests import factories
from viva.accounts import service as accounts
from viva.app import create_app
from viva.db import Database
from viva.grading.models import Submission
from viva.practice.models import ReviewLog
from viva.settings import Settings

SUBMISSIONS = 6


async def test_two_apps_on_one_database_grade_each_submission_exactly_once(
    settings: Settings, database: Database
) -> None:
    async with database.session() as session:
        user = await accounts.create_user(
            session, username="two-queues", password="correct horse battery", role="candidate"
        )
        ids = [
            (await factories.submission(session, user_id=user.id)).id for _ in range(SUBMISSIONS)
        ]
    first, second = create_app(settings), create_app(settings)
    async with contextlib.AsyncExitStack() as stack:
        # Both start at once: each recovers every queued submission and races for it.
        await asyncio.gather(
            stack.enter_async_context(first.router.lifespan_context(first)),
            stack.enter_async_context(second.router.lifespan_context(second)),
        )
        for _ in range(600):
            async with database.session() as session:
                rows = (
                    await session.scalars(select(Submission).where(Submission.id.in_(ids)))
                ).all()
            if all(r.status == "done" for r in rows):
                break
            await asyncio.sleep(0.05)
    assert [r.status for r in rows] == ["done"] * SUBMISSIONS
    assert [r.attempts for r in rows] == [1] * SUBMISSIONS
    assert {r.verdict for r in rows} == {"Accepted"}
    async with database.session() as session:
        logs = (await session.scalars(select(ReviewLog).where(ReviewLog.user_id == user.id))).all()
    # The graded event ran once per submission: one review log each.
    assert len(logs) == SUBMISSIONS and {log.source for log in logs} == {"challenge"}

"""The rooms domain's one seam into grading: run, submit and look up challenges.

Rooms never grade by themselves; they call the same use cases as the challenge page, so
a verdict in a room is the verdict the challenge page would give.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.grading import authored
from viva.grading import service as grading
from viva.grading.schemas import ChallengeDetail, GradeOut, SubmissionOut
from viva.settings import Settings


async def challenge(session: AsyncSession, slug: str) -> ChallengeDetail:
    """The challenge (404 when unknown), as its page shows it."""
    await authored.ensure(session, slug=slug)
    return grading.challenge_detail(slug)


async def run(state: Any, settings: Settings, *, slug: str, source: str) -> GradeOut:
    """Run the visible examples (as the challenge page's Run)."""
    grading.check_source(source, max_bytes=settings.max_source_bytes)
    found = grading.find_challenge(slug)
    grading.refuse_if_ungradable(settings, dialect=grading.submission_dialect(found, None))
    result, _ = await grading.grade_any(
        settings=settings,
        sql_engines=state.sql_engines,
        slug=slug,
        source=source,
        dialect=None,
        visible_only=True,
    )
    return grading.grade_out(result)


async def submit(
    state: Any, session: AsyncSession, settings: Settings, *, slug: str, source: str, user_id: int
) -> SubmissionOut:
    """Store a submission for `user_id`, grade it on the queue and wait for the verdict."""
    grading.check_source(source, max_bytes=settings.max_source_bytes)
    found = grading.find_challenge(slug)
    dialect = grading.submission_dialect(found, None)
    grading.refuse_if_ungradable(settings, dialect=dialect)
    if dialect is None:
        await asyncio.to_thread(grading.get_runner, settings)
    submission = await grading.create_submission(
        session, challenge=found, source=source, dialect=dialect, user_id=user_id
    )
    await session.commit()  # stored before grading starts, as the challenge page does
    queue = state.grading_queue
    await queue.enqueue(submission.id)
    await queue.wait(submission.id, seconds=120)
    await session.refresh(submission)
    return grading.submission_out(submission)

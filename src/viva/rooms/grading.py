"""The rooms domain's one seam into grading: look up, run and submit challenges.

Rooms never grade by themselves; they call grading's own use cases (`run_examples`,
`submit`), so a verdict in a room is the verdict the challenge page would give.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.grading import service
from viva.grading.details import detail
from viva.grading.schemas import ChallengeDetail, ChallengeSummary, GradeOut, SubmissionOut

WAIT_SECONDS = 120


async def challenge(state: Any, session: AsyncSession, slug: str) -> ChallengeDetail:
    """The challenge (404 when unknown), as its page shows it."""
    await state.catalogue.refresh(session)
    return await asyncio.to_thread(detail, state.catalogue.find(slug))


async def challenges(state: Any, session: AsyncSession) -> list[ChallengeSummary]:
    await state.catalogue.refresh(session)
    summaries: list[ChallengeSummary] = state.catalogue.summaries()
    return summaries


async def run(state: Any, session: AsyncSession, *, slug: str, source: str) -> GradeOut:
    """Run the visible examples (as the challenge page's Run); nothing is recorded."""
    result = await service.run_examples(
        state.grading, session, slug=slug, source=source, dialect=None
    )
    return service.grade_out(result)


async def submit(state: Any, *, slug: str, source: str, user_id: int) -> SubmissionOut:
    """Store a submission for `user_id` in its own unit of work (committed and enqueued
    before grading starts, as the challenge page does), then wait for the verdict."""
    database = state.database
    async with database.session() as session:
        submission = await service.submit(
            state.grading, session, slug=slug, source=source, user_id=user_id
        )
    await state.grading_queue.wait(submission.id, seconds=WAIT_SECONDS)
    async with database.session() as session:
        submission = await service.get_submission(session, submission_id=submission.id)
    return service.submission_out(submission)  # still queued after the wait: the poll shows it

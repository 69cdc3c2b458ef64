"""Grading a queued submission, exactly once in effect over at-least-once delivery: claim it
(a conditional UPDATE with a lease), grade it while renewing the lease, store the verdict only
while still holding the claim, and announce it. The in-process queue, `viva worker` and the CLI
call `grade_submission`; a stopping process hands its claims back with `release_claims`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from viva.clock import now
from viva.errors import NotFound, ServiceUnavailable, SourceRejected
from viva.events import SubmissionGraded
from viva.grading import repository
from viva.grading.grader import (
    GRADING_FAILED,
    internal_error,
)
from viva.grading.judge.outcome import Grade, Verdict, storable
from viva.grading.models import Submission
from viva.grading.service import GradingContext, JobDone, grade_any
from viva.infra.logging import log
from viva.settings import Settings

MAX_ATTEMPTS = 3


def lease(settings: Settings) -> timedelta:
    """How long a claim lasts unless renewed (VIVA_GRADING_LEASE_SECONDS, 120 s by default).
    The grader renews it every quarter of that while it grades, so a live grader never loses
    a claim however long grading takes, and a dead one's submission is taken over once the
    lease has passed (its job's redelivery waits for that too)."""
    return timedelta(seconds=settings.grading_lease_seconds)


def renew_every(settings: Settings) -> float:
    """Seconds between lease renewals, and between sweeps for submissions nobody grades."""
    return settings.grading_lease_seconds / 4


async def recoverable(ctx: GradingContext) -> list[int]:
    """Submissions waiting for a grader: queued, or left running by a process that died."""
    async with ctx.database.session() as session:
        return await repository.recoverable_ids(session, at=now())


async def release_claims(ctx: GradingContext) -> int:
    """A stopping process hands back what it was grading (queued again for another)."""
    async with ctx.database.session() as session:
        return await repository.release(session, owner=ctx.owner)


async def grade_submission(
    ctx: GradingContext,
    *,
    submission_id: int,
    stored: Callable[[Submission], None] | None = None,
) -> Grade | None:
    """The grading entry point (the in-process queue, a worker and the CLI call it): claim
    the submission, grade it, store the verdict while still holding the claim, and announce
    it. None when another process holds (or finished) it, or the claim was lost. `stored`
    gets the row as stored, once committed (the in-process queue hands it to the request
    waiting for it, which then need not read it again)."""
    async with ctx.database.session() as session:
        at = now()
        claimed = await repository.claim(
            session,
            submission_id=submission_id,
            owner=ctx.owner,
            at=at,
            until=at + lease(ctx.settings),
        )
        if claimed is None:
            return None
        slug, source, attempts = claimed.challenge, claimed.source, claimed.attempts
        dialect = claimed.dialect
        job = ctx.jobs.get(slug)  # a job of another kind (a Judge0 run), not a challenge
        if job is None:
            await ctx.catalogue.ensure(session, slug=slug)
    async with _renewing(ctx, submission_id):
        if attempts > MAX_ATTEMPTS:
            done = JobDone(
                internal_error(f"grading was interrupted {attempts - 1} times; giving up")
            )
        else:
            try:
                if job is not None:
                    done = await job.run(ctx, submission_id)
                else:
                    challenge = ctx.catalogue.find(slug)
                    done = JobDone(
                        await grade_any(
                            ctx,
                            challenge=challenge,
                            source=source,
                            dialect=dialect,
                            visible_only=False,
                        )
                    )
            except (NotFound, ServiceUnavailable, SourceRejected) as exc:
                done = JobDone(internal_error(exc.detail))
            except Exception as exc:  # the row ends as Internal Error, never left running
                log.error("grading_failed", submission=submission_id, error=repr(exc))
                done = JobDone(internal_error(GRADING_FAILED))
    async with ctx.database.session() as session:
        row = await store_grade(
            ctx,
            session,
            submission_id=submission_id,
            result=done.grade,
            job_done=None if job is None else done,
        )
    if row is None:
        return None
    if stored is not None:
        stored(row)
    return done.grade


@contextlib.asynccontextmanager
async def _renewing(ctx: GradingContext, submission_id: int) -> AsyncIterator[None]:
    async def renew() -> None:
        while True:
            await asyncio.sleep(renew_every(ctx.settings))
            async with ctx.database.session() as session:
                if not await repository.renew(
                    session,
                    submission_id=submission_id,
                    owner=ctx.owner,
                    until=now() + lease(ctx.settings),
                ):
                    return

    task = asyncio.create_task(renew(), name=f"lease-{submission_id}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def store_grade(
    ctx: GradingContext,
    session: AsyncSession,
    *,
    submission_id: int,
    result: Grade,
    job_done: JobDone | None = None,
) -> Submission | None:
    """Store the verdict if this process still holds the claim, and publish
    `SubmissionGraded` in the same unit of work (practice moves the review card with it);
    for a job (`job_done`), its own result is stored there instead (no challenge was graded).
    The row as stored; None when the claim was lost."""
    submission = await repository.store_verdict(
        session,
        submission_id=submission_id,
        owner=ctx.owner,
        values={
            "verdict": result.verdict.value,
            "score": result.score,
            "passed": result.passed,
            "total": len(result.tests),
            "message": storable(result.message[:4000]),
            "tests": [t.public() for t in result.tests],
            "finished_at": now(),
        },
    )
    if submission is None:
        log.warning("grading_claim_lost", submission=submission_id)
        return None
    if job_done is not None:
        if job_done.store is not None:
            await job_done.store(session)
        return submission
    earlier = 0
    if submission.user_id is not None:
        earlier = await repository.earlier_graded(
            session,
            user_id=submission.user_id,
            challenge=submission.challenge,
            before_id=submission.id,
        )
    event = SubmissionGraded(
        submission_id=submission.id,
        user_id=submission.user_id,
        challenge=submission.challenge,
        seed_question=ctx.catalogue.seed_question(submission.challenge),
        verdict=result.verdict.value,
        accepted=result.verdict == Verdict.ACCEPTED,
        earlier_graded=earlier,
    )
    await ctx.events.publish(event, session=session)
    return submission


# Shapes ----------------------------------------------------------------------------------------

"""Grading's use cases called as the routes, the CLI and the workers call them: submit,
claim and grade, store while holding the claim; on both databases, with the real sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests import factories
from viva.clock import now
from viva.db import Database
from viva.errors import NotFound, SourceRejected
from viva.events import EventBus, SubmissionGraded
from viva.grading import claims, repository, service
from viva.grading.catalogue import Catalogue
from viva.grading.judge.outcome import Grade, Verdict
from viva.grading.models import SubmissionStatus
from viva.grading.service import GradingContext
from viva.settings import Settings


class Recorder:
    """Collects what a context published or enqueued."""

    def __init__(self) -> None:
        self.graded: list[SubmissionGraded] = []
        self.enqueued: list[int] = []

    async def on_graded(self, event: SubmissionGraded, _session: object) -> None:
        self.graded.append(event)

    async def enqueue(self, submission_id: int) -> None:
        self.enqueued.append(submission_id)


def _context(settings: Settings, database: Database, recorder: Recorder) -> GradingContext:
    events = EventBus()
    events.subscribe(SubmissionGraded, recorder.on_graded)
    ctx = GradingContext.build(
        settings=settings, database=database, catalogue=Catalogue(), events=events
    )
    ctx.enqueue = recorder.enqueue
    return ctx


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def ctx(
    settings: Settings, database: Database, recorder: Recorder
) -> AsyncIterator[GradingContext]:
    context = _context(settings, database, recorder)
    yield context
    await context.close()


async def test_a_submission_is_enqueued_once_its_unit_of_work_commits_and_never_on_rollback(
    ctx: GradingContext, database: Database, recorder: Recorder
) -> None:
    async with database.session() as session:
        stored = await service.submit(
            ctx, session, slug="palindrome", source="def is_palindrome(s): return True\n"
        )
        assert recorder.enqueued == []  # not before the row is visible to the grader
    assert recorder.enqueued == [stored.id]
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            dropped = await service.submit(ctx, session, slug="palindrome", source="x = 1\n")
            raise RuntimeError("the request failed after submitting")
    assert recorder.enqueued == [stored.id]
    async with database.session() as session:
        assert (await service.get_submission(session, submission_id=stored.id)).status == "queued"
        with pytest.raises(NotFound):
            await service.get_submission(session, submission_id=dropped.id)


async def test_a_bad_source_or_unknown_challenge_is_refused_before_anything_is_stored(
    ctx: GradingContext, database: Database, recorder: Recorder
) -> None:
    async with database.session() as session:
        with pytest.raises(SourceRejected):
            await service.submit(ctx, session, slug="palindrome", source="  \n")
        with pytest.raises(NotFound):
            await service.submit(ctx, session, slug="no-such-challenge", source="x = 1\n")
        assert await repository.recoverable_ids(session, at=now()) == []
    assert recorder.enqueued == []


async def test_two_graders_racing_for_one_submission_grade_it_once(
    settings: Settings, database: Database, ctx: GradingContext, recorder: Recorder
) -> None:
    other = _context(settings, database, recorder)
    async with database.session() as session:
        queued = await factories.submission(session)
    try:
        results = await asyncio.gather(
            claims.grade_submission(ctx, submission_id=queued.id),
            claims.grade_submission(other, submission_id=queued.id),
        )
    finally:
        await other.close()
    graded = [r for r in results if r is not None]
    assert len(graded) == 1 and graded[0].verdict == Verdict.ACCEPTED
    async with database.session() as session:
        done = await service.get_submission(session, submission_id=queued.id)
    assert (done.status, done.verdict, done.attempts) == ("done", "Accepted", 1)
    assert done.lease_expires_at is None
    assert [e.submission_id for e in recorder.graded] == [queued.id]
    assert await claims.grade_submission(ctx, submission_id=queued.id) is None  # done stays


async def test_only_queued_submissions_and_expired_claims_are_recovered(
    database: Database,
) -> None:
    at = now()
    async with database.session() as session:
        queued = await factories.submission(session)
        live = await factories.submission(
            session,
            status=SubmissionStatus.RUNNING,
            claimed_by="a-live-process",
            lease_expires_at=at + timedelta(seconds=60),
            attempts=1,
        )
        expired = await factories.submission(
            session,
            status=SubmissionStatus.RUNNING,
            claimed_by="a-dead-process",
            lease_expires_at=at - timedelta(seconds=1),
            attempts=1,
        )
        done = await factories.submission(session, status=SubmissionStatus.DONE)
        recovered = await repository.recoverable_ids(session, at=at)
        assert recovered == [queued.id, expired.id]
        assert live.id not in recovered and done.id not in recovered
        # The live claim cannot be taken over; the expired one can, by exactly one process.
        until = at + timedelta(seconds=120)
        assert (
            await repository.claim(session, submission_id=live.id, owner="me", at=at, until=until)
            is None
        )
        taken = await repository.claim(
            session, submission_id=expired.id, owner="me", at=at, until=until
        )
        assert taken is not None and (taken.claimed_by, taken.attempts) == ("me", 2)
        assert (
            await repository.claim(
                session, submission_id=expired.id, owner="you", at=at, until=until
            )
            is None
        )


async def test_a_grader_that_lost_its_claim_stores_nothing_and_announces_nothing(
    ctx: GradingContext, database: Database, recorder: Recorder
) -> None:
    at = now()
    async with database.session() as session:
        row = await factories.submission(session)
        await repository.claim(
            session, submission_id=row.id, owner=ctx.owner, at=at, until=at - timedelta(seconds=1)
        )
        # Its lease ran out (the process stalled) and another process took the submission.
        await repository.claim(
            session,
            submission_id=row.id,
            owner="another",
            at=at,
            until=at + claims.lease(ctx.settings),
        )
    async with database.session() as session:
        stored = await claims.store_grade(
            ctx, session, submission_id=row.id, result=Grade(Verdict.ACCEPTED, 1.0, [], "")
        )
    assert stored is None and recorder.graded == []
    async with database.session() as session:
        kept = await service.get_submission(session, submission_id=row.id)
    assert (kept.status, kept.verdict, kept.claimed_by) == ("running", None, "another")


async def test_a_stopping_process_hands_its_claims_back(
    ctx: GradingContext, database: Database
) -> None:
    at = now()
    async with database.session() as session:
        row = await factories.submission(session)
        await repository.claim(
            session,
            submission_id=row.id,
            owner=ctx.owner,
            at=at,
            until=at + claims.lease(ctx.settings),
        )
    assert await claims.release_claims(ctx) == 1
    async with database.session() as session:
        back = await service.get_submission(session, submission_id=row.id)
        assert (back.status, back.attempts, back.claimed_by) == ("queued", 0, None)
        assert await repository.recoverable_ids(session, at=now()) == [row.id]


async def test_running_the_examples_grades_the_visible_tests_and_records_nothing(
    ctx: GradingContext, database: Database
) -> None:
    solution = ctx.catalogue.find("palindrome").solution
    async with database.session() as session:
        result = await service.run_examples(
            ctx, session, slug="palindrome", source=solution, dialect=None
        )
        assert result.verdict == Verdict.ACCEPTED and all(not t.hidden for t in result.tests)
        assert await repository.recoverable_ids(session, at=now()) == []

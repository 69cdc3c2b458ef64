"""Practice's side of the graded-submission seam: grading announces `SubmissionGraded` and
practice moves the review card of the question the challenge practises, in the same unit of
work; on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fsrs import Rating
from sqlalchemy import select

from tests import factories
from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.clock import now
from viva.db import Database
from viva.events import EventBus
from viva.grading import claims, repository, service
from viva.grading.catalogue import Catalogue
from viva.grading.judge.outcome import Grade, Verdict
from viva.grading.service import GradingContext
from viva.practice import repository as practice_repository
from viva.practice import subscribers
from viva.practice.models import ReviewCard, ReviewLog
from viva.settings import Settings

SEED = 8  # the built-in question the palindrome challenge practises


@pytest.fixture
async def ctx(settings: Settings, database: Database) -> AsyncIterator[GradingContext]:
    events = EventBus()
    subscribers.subscribe(events, fuzz=False)
    context = GradingContext.build(
        settings=settings, database=database, catalogue=Catalogue(), events=events
    )
    yield context
    await context.close()


@pytest.fixture
async def candidate(database: Database) -> User:
    async with database.session() as session:
        return await accounts.create_user(
            session, username="seam-candidate", password="correct horse battery", role="candidate"
        )


async def _claimed(ctx: GradingContext, database: Database, user: User) -> int:
    at = now()
    async with database.session() as session:
        row = await factories.submission(session, user_id=user.id)
        await repository.claim(
            session,
            submission_id=row.id,
            owner=ctx.owner,
            at=at,
            until=at + claims.lease(ctx.settings),
        )
    return row.id


async def _logs(database: Database, user: User) -> list[ReviewLog]:
    async with database.session() as session:
        rows = await session.scalars(
            select(ReviewLog).where(ReviewLog.user_id == user.id).order_by(ReviewLog.id)
        )
        return list(rows.all())


async def test_a_graded_submission_moves_the_card_of_the_question_it_practises(
    ctx: GradingContext, database: Database, candidate: User
) -> None:
    submission_id = await _claimed(ctx, database, candidate)
    assert ctx.catalogue.seed_question("palindrome") == SEED
    graded = await claims.grade_submission(ctx, submission_id=submission_id)
    assert graded is None  # claimed by _claimed, under this same owner: not claimed twice
    # The grader that holds the claim stores and announces: the card moves with it.
    async with database.session() as session:
        stored = await claims.store_grade(
            ctx,
            session,
            submission_id=submission_id,
            result=Grade(Verdict.ACCEPTED, 1.0, [], ""),
        )
    assert stored
    async with database.session() as session:
        question_id = await practice_repository.builtin_question_id(session, number=SEED)
        card = await session.scalar(
            select(ReviewCard).where(
                ReviewCard.user_id == candidate.id, ReviewCard.question_id == question_id
            )
        )
    assert card is not None and card.reps == 1
    logs = await _logs(database, candidate)
    assert [(log.source, log.rating) for log in logs] == [("challenge", int(Rating.Good))]


async def test_a_rolled_back_grade_moves_no_card(
    ctx: GradingContext, database: Database, candidate: User
) -> None:
    submission_id = await _claimed(ctx, database, candidate)
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            await claims.store_grade(
                ctx,
                session,
                submission_id=submission_id,
                result=Grade(Verdict.ACCEPTED, 1.0, [], ""),
            )
            raise RuntimeError("the unit of work fails after the verdict was written")
    assert await _logs(database, candidate) == []
    async with database.session() as session:
        row = await service.get_submission(session, submission_id=submission_id)
        assert (row.status, row.verdict) == ("running", None)
        cards = await session.scalars(select(ReviewCard).where(ReviewCard.user_id == candidate.id))
        assert cards.all() == []


async def test_failures_then_success_rate_again_then_hard_and_internal_errors_do_not_count(
    ctx: GradingContext, database: Database, candidate: User
) -> None:
    verdicts = [
        Grade(Verdict.WRONG_ANSWER, 0.5, [], ""),
        Grade(Verdict.INTERNAL_ERROR, 0.0, [], "the server failed"),
        Grade(Verdict.ACCEPTED, 1.0, [], ""),
    ]
    for result in verdicts:
        submission_id = await _claimed(ctx, database, candidate)
        async with database.session() as session:
            assert await claims.store_grade(
                ctx, session, submission_id=submission_id, result=result
            )
    logs = await _logs(database, candidate)
    assert [log.rating for log in logs] == [int(Rating.Again), int(Rating.Hard)]


async def test_a_submission_of_a_challenge_without_a_seed_question_moves_no_card(
    ctx: GradingContext, database: Database, candidate: User
) -> None:
    async with database.session() as session:
        authored = await factories.authored_challenge(session, author_id=candidate.id)
        await ctx.catalogue.refresh(session)
    assert ctx.catalogue.seed_question(authored.slug) is None
    at = now()
    async with database.session() as session:
        row = await factories.submission(
            session, challenge=authored.slug, source="x = 1\n", user_id=candidate.id
        )
        await repository.claim(
            session,
            submission_id=row.id,
            owner=ctx.owner,
            at=at,
            until=at + claims.lease(ctx.settings),
        )
        assert await claims.store_grade(
            ctx, session, submission_id=row.id, result=Grade(Verdict.ACCEPTED, 1.0, [], "")
        )
    assert await _logs(database, candidate) == []

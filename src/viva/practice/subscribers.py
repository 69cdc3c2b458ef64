"""What practice does when another domain announces something: a graded submission moves the
review card of the question its challenge practises (review and challenges share one
schedule), and drops the user's cached review queue once that commits, in every process
(`queues`: the app's cache; a worker's tells the API processes through Redis). Subscribed on
the app's (and the CLI's, and a worker's) event bus."""

from __future__ import annotations

from functools import partial

from fsrs import Rating
from sqlalchemy.ext.asyncio import AsyncSession

from viva.events import EventBus, SubmissionGraded
from viva.practice import repository, review
from viva.practice.queue_cache import QueueCache, watch

INTERNAL_ERROR = "Internal Error"  # the server failed, not the candidate: the card stays


def subscribe(bus: EventBus, *, fuzz: bool, queues: QueueCache | None = None) -> None:
    bus.subscribe(SubmissionGraded, partial(record_verdict, fuzz=fuzz, queues=queues))


def verdict_rating(*, accepted: bool, earlier_graded: int) -> Rating:
    """Accepted on the first try counts as Good, accepted after failures as Hard, a failure
    as Again."""
    if not accepted:
        return Rating.Again
    return Rating.Good if not earlier_graded else Rating.Hard


async def record_verdict(
    event: SubmissionGraded,
    session: AsyncSession,
    *,
    fuzz: bool,
    queues: QueueCache | None = None,
) -> None:
    if event.user_id is None or event.seed_question is None or event.verdict == INTERNAL_ERROR:
        return
    if queues is not None:
        watch(session, queues)
    question_id = await repository.builtin_question_id(session, number=event.seed_question)
    if question_id is None:
        return
    await review.rate(
        session,
        user_id=event.user_id,
        question_id=question_id,
        rating=verdict_rating(accepted=event.accepted, earlier_graded=event.earlier_graded),
        source="challenge",
        fuzz=fuzz,
    )

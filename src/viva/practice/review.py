"""Spaced-repetition review: every question is an FSRS card per user.

The memory state lives in `review_cards`; the `fsrs` package computes the next due date.
Ratings come from reviews (Again/Hard/Good/Easy), challenge verdicts and mock interviews.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy.ext.asyncio import AsyncSession

from viva.bank.models import Question, Track
from viva.bank.service import require_question
from viva.clock import now
from viva.db import write_turn
from viva.errors import InvalidDispute, InvalidReview, NotFound
from viva.practice import queue_cache, repository
from viva.practice.matcher import PointMatch, answer_synonyms, match_key_points
from viva.practice.models import PointDispute, ReviewCard, ReviewSetting
from viva.practice.repository import CardState

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
RATING_NAMES = {int(v): k for k, v in RATINGS.items()}
DEFAULT_RETENTION = 0.9
DEFAULT_NEW_PER_DAY = 10
RATING_PASSES = 3  # a new card inserted meanwhile by a concurrent rating: read it and re-rate


def parse_rating(value: str | int) -> Rating:
    if isinstance(value, int) or value.isdigit():
        number = int(value)
        if 1 <= number <= 4:
            return Rating(number)
    elif value.lower() in RATINGS:
        return RATINGS[value.lower()]
    raise InvalidReview(f"rating must be again, hard, good or easy (or 1-4), not {value!r}")


def _retention(stored: float | None) -> float:
    return DEFAULT_RETENTION if stored is None else stored


@lru_cache(maxsize=64)
def scheduler(*, retention: float, fuzz: bool) -> Scheduler:
    """A scheduler per (retention, fuzz): built once (it only holds parameters)."""
    return Scheduler(desired_retention=retention, enable_fuzzing=fuzz)


def _to_fsrs(card: ReviewCard | CardState | None, *, at: datetime) -> Card:
    """A new card (None) is fsrs's initial card, due `at`. An explicit card_id: without one,
    fsrs makes an id from the clock and sleeps a millisecond (in the event loop)."""
    if card is None:
        return Card(card_id=0, state=State.Learning, step=0, due=at)
    return Card(
        card_id=card.id,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


@dataclass(frozen=True)
class ReviewOutcome:
    card: ReviewCard
    rating: Rating


async def get_setting(session: AsyncSession, *, user_id: int, track_id: int) -> ReviewSetting:
    setting = await repository.get_setting(session, user_id=user_id, track_id=track_id)
    return setting or _default_setting(user_id=user_id, track_id=track_id)


def _default_setting(*, user_id: int, track_id: int) -> ReviewSetting:
    return ReviewSetting(
        user_id=user_id,
        track_id=track_id,
        desired_retention=DEFAULT_RETENTION,
        new_per_day=DEFAULT_NEW_PER_DAY,
    )


async def set_setting(
    session: AsyncSession,
    *,
    user_id: int,
    track_id: int,
    desired_retention: float,
    new_per_day: int,
) -> ReviewSetting:
    if not 0.7 <= desired_retention <= 0.99:
        raise InvalidReview("desired retention is between 0.70 and 0.99")
    if not 0 <= new_per_day <= 200:
        raise InvalidReview("new cards per day is between 0 and 200")
    setting = await repository.get_setting(session, user_id=user_id, track_id=track_id)
    if setting is None:
        setting = ReviewSetting(user_id=user_id, track_id=track_id)
    setting.desired_retention = desired_retention
    setting.new_per_day = new_per_day
    await repository.add(session, setting)
    return setting


@dataclass(frozen=True)
class QueueEntry:
    question: Question
    card: ReviewCard | None  # None: a new card, never reviewed


def _day_start(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


async def queue(
    session: AsyncSession, *, user_id: int, track: Track, at: datetime, limit: int = 50
) -> tuple[list[QueueEntry], int]:
    """Due cards first (most overdue first), then new questions up to the daily allowance.

    Returns the entries and how many are due in total (beyond `limit`).
    """
    due_rows = await repository.due(session, user_id=user_id, track_id=track.id, at=at)
    entries = [QueueEntry(question=q, card=c) for c, q in due_rows]
    new_per_day, introduced_today = await repository.new_card_allowance(
        session, user_id=user_id, track_id=track.id, since=_day_start(at)
    )
    if new_per_day is None:
        new_per_day = DEFAULT_NEW_PER_DAY
    allowance = max(0, int(new_per_day) - introduced_today)
    if allowance:
        new = await repository.unseen_questions(
            session, user_id=user_id, track_id=track.id, limit=allowance
        )
        entries += [QueueEntry(question=q, card=None) for q in new]
    return entries[:limit], len(entries)


async def next_due(session: AsyncSession, *, user_id: int, track: Track) -> datetime | None:
    """When the user's next card in the track comes due; None before the first review."""
    return await repository.next_due(session, user_id=user_id, track_id=track.id)


async def rate(
    session: AsyncSession,
    *,
    user_id: int,
    question_id: int,
    rating: Rating,
    source: str = "review",
    coverage: float | None = None,
    duration_ms: int | None = None,
    at: datetime | None = None,
    fuzz: bool = True,
) -> CardState:
    """Apply one rating to the user's card for a question (creating the card if new): one
    read, then one write statement on PostgreSQL (three on SQLite), no ORM flush. The card
    is read in this process's turn to write it (`viva.db.write_turn`) and, on PostgreSQL,
    with its row locked (other processes); the write is
    conditional on the card as read: two ratings at once are applied one after the other,
    never one over the other."""
    at = at or now()
    await write_turn(session, ("review_card", user_id, question_id))
    for _ in range(RATING_PASSES):  # another pass only when a concurrent rating won
        found = await repository.card_for_rating(
            session, user_id=user_id, question_id=question_id, lock=True
        )
        if found is None:
            raise NotFound(f"no question with id {question_id}")
        _, card, retention = found
        plan = scheduler(retention=_retention(retention), fuzz=fuzz)
        scheduled, _ = plan.review_card(_to_fsrs(card, at=at), rating, review_datetime=at)
        lapses = 0 if card is None else card.lapses
        if card is not None and rating == Rating.Again and card.state == int(State.Review):
            lapses += 1
        reps = 1 if card is None else card.reps + 1
        values: dict[str, object] = {
            "state": int(scheduled.state),
            "step": scheduled.step,
            "stability": scheduled.stability,
            "difficulty": scheduled.difficulty,
            "due": scheduled.due,
            "last_review": at,
            "reps": reps,
            "lapses": lapses,
        }
        if card is None:
            values |= {"user_id": user_id, "question_id": question_id, "created_at": at}
        log = {
            "user_id": user_id,
            "rating": int(rating),
            "source": source,
            "coverage": coverage,
            "duration_ms": duration_ms,
            "reviewed_at": at,
        }
        attempt = None
        if source == "review":
            attempt = {
                "user_id": user_id,
                "question_id": question_id,
                "kind": "rating",
                "value": RATING_NAMES[int(rating)],
                "created_at": at,
            }
        card_id = await repository.save_rating(
            session,
            card=values,
            read=card,
            log=log,
            attempt=attempt,
        )
        if card_id is not None:
            queue_cache.changed(session, user_id=user_id)
            return CardState(
                id=card_id,
                question_id=question_id,
                state=int(scheduled.state),
                step=scheduled.step,
                stability=scheduled.stability,
                difficulty=scheduled.difficulty,
                due=scheduled.due,
                last_review=at,
                reps=reps,
                lapses=lapses,
            )
    raise RuntimeError(f"card of user {user_id} for question {question_id} not written")


def short_interval(delta: timedelta) -> str:
    """An interval as Anki writes it on its buttons: "<1m", "10m", "3h", "4d", "2mo", "1.5y"."""
    minutes = delta.total_seconds() / 60
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{round(minutes)}m"
    if minutes < 24 * 60:
        return f"{round(minutes / 60)}h"
    days = minutes / (24 * 60)
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{round(days / 30)}mo"
    return f"{days / 365:.1f}".rstrip("0").rstrip(".") + "y"


async def next_intervals(
    session: AsyncSession, *, user_id: int, question_id: int, at: datetime | None = None
) -> dict[str, str]:
    """When the card would come back after each rating (unfuzzed), for the rating buttons."""
    at = at or now()
    found = await repository.card_for_rating(session, user_id=user_id, question_id=question_id)
    if found is None:
        raise NotFound(f"no question with id {question_id}")
    _, card, retention = found
    fsrs_card = _to_fsrs(card, at=at)
    plan = scheduler(retention=_retention(retention), fuzz=False)
    return {
        name: short_interval(plan.review_card(fsrs_card, rating, review_datetime=at)[0].due - at)
        for name, rating in RATINGS.items()
    }


async def check_answer(
    session: AsyncSession, *, question_id: int, text: str
) -> tuple[Question, list[PointMatch]]:
    """Which of the model answer's key points a typed answer covered."""
    question = await require_question(session, question_id=question_id)
    points = question.answer.key_points if question.answer is not None else []
    return question, match_key_points(text, points, synonyms=answer_synonyms(points))


async def dispute_point(
    session: AsyncSession, *, user_id: int, question_id: int, point_index: int, text: str
) -> PointDispute:
    """Record a candidate's "I did cover this" for a key point the checker did not credit."""
    question, matches = await check_answer(session, question_id=question_id, text=text)
    if not text.strip():
        raise InvalidDispute("there is no typed answer to dispute")
    if not 0 <= point_index < len(matches):
        raise InvalidDispute(f"question {question.number} has no key point {point_index + 1}")
    if matches[point_index].covered:
        raise InvalidDispute("the checker already credited this key point")
    dispute = PointDispute(
        user_id=user_id,
        question_id=question.id,
        point_index=point_index,
        key_points=[m.point for m in matches],
        answer=text,
        contradicted=bool(matches[point_index].contradicted),
    )
    await repository.add(session, dispute)
    return dispute


async def disputes(session: AsyncSession) -> list[tuple[PointDispute, int]]:
    """Every dispute, oldest first, with its question's number."""
    return await repository.disputes(session)


@dataclass(frozen=True)
class ReviewStats:
    heatmap: dict[date, int]  # reviews per day, the last `days` days
    forecast: dict[date, int]  # cards due per day, the next 30 days (overdue count today)
    cards: int
    due_now: int


async def stats(
    session: AsyncSession, *, user_id: int, at: datetime | None = None, days: int = 182
) -> ReviewStats:
    at = at or now()
    today = at.date()
    since = _day_start(at) - timedelta(days=days - 1)
    logged = await repository.review_days(session, user_id=user_id, since=since)
    heatmap = Counter(moment.astimezone(UTC).date() for moment in logged)
    dues = await repository.due_dates(session, user_id=user_id)
    horizon = today + timedelta(days=29)
    forecast: Counter[date] = Counter()
    for due in dues:
        day = max(due.astimezone(UTC).date(), today)
        if day <= horizon:
            forecast[day] += 1
    return ReviewStats(
        heatmap={
            today - timedelta(days=i): heatmap.get(today - timedelta(days=i), 0)
            for i in range(days)
        },
        forecast={
            today + timedelta(days=i): forecast.get(today + timedelta(days=i), 0) for i in range(30)
        },
        cards=len(dues),
        due_now=sum(1 for d in dues if d <= at),
    )

"""A user's progress: challenges attempted and solved per category (from grading's results,
read through its declared seam), streak, recent history, reveals and self-ratings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from viva.bank import service as bank
from viva.bank.models import BUILTIN_TRACK
from viva.grading.catalogue import Catalogue
from viva.grading.service import graded_of_user
from viva.practice import repository
from viva.practice.schemas import CategoryProgress, HistoryItem, Progress


async def _category_of_seed_question(session: AsyncSession) -> dict[int, str]:
    track = await bank.find_track(session, slug=BUILTIN_TRACK)
    if track is None:
        return {}
    questions = await bank.track_questions(session, track_id=track.id)
    return {q.number: q.category.title for q in questions}


@dataclass
class _Bucket:
    attempted: set[str] = field(default_factory=set)
    solved: set[str] = field(default_factory=set)
    submissions: int = 0
    accepted: int = 0


def streak(days: set[date], today: date) -> int:
    count, day = 0, today
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


async def progress(session: AsyncSession, *, catalogue: Catalogue, user_id: int) -> Progress:
    rows = await graded_of_user(session, user_id=user_id)
    categories = await _category_of_seed_question(session)
    per: dict[str, _Bucket] = defaultdict(_Bucket)
    for sub in rows:
        seed = catalogue.seed_question(sub.challenge)
        bucket = per[categories.get(seed, "Other") if seed else "Other"]
        bucket.attempted.add(sub.challenge)
        bucket.submissions += 1
        if sub.verdict == "Accepted":
            bucket.solved.add(sub.challenge)
            bucket.accepted += 1
    cats = [
        CategoryProgress(
            category=name,
            attempted=len(b.attempted),
            solved=len(b.solved),
            submissions=b.submissions,
            accuracy=round(b.accepted / max(1, b.submissions), 3),
        )
        for name, b in sorted(per.items())
    ]
    events = await repository.attempts_of(session, user_id=user_id)
    ratings: dict[str, int] = defaultdict(int)
    for event in events:
        if event.kind == "rating" and event.value:
            ratings[event.value] += 1
    accepted = sum(1 for r in rows if r.verdict == "Accepted")
    days = {r.created_at.astimezone(UTC).date() for r in rows}
    return Progress(
        reveals=sum(1 for e in events if e.kind == "reveal"),
        ratings=dict(ratings),
        attempted=len({r.challenge for r in rows}),
        solved=len({r.challenge for r in rows if r.verdict == "Accepted"}),
        submissions=len(rows),
        accuracy=round(accepted / max(1, len(rows)), 3),
        streak_days=streak(days, datetime.now(UTC).date()),
        categories=cats,
        recent=[
            HistoryItem(
                submission_id=r.id,
                challenge=r.challenge,
                verdict=r.verdict,
                score=r.score,
                created_at=r.created_at,
            )
            for r in rows[:20]
        ],
    )

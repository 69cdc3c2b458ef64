"""A rating's statements run in the request's one unit of work: a rollback after them
leaves no card and no review log (both engines)."""

from __future__ import annotations

import pytest
from fsrs import Rating
from sqlalchemy import func, select

from tests import factories
from viva.bank.models import Question
from viva.db import Database
from viva.practice import review
from viva.practice.models import ReviewCard, ReviewLog


async def test_a_rating_is_rolled_back_with_its_unit_of_work(database: Database) -> None:
    """Both engines: the rating's statements run in the request's one transaction."""
    async with database.session() as session:
        user = await factories.user(session, role="candidate")
        question_id = int(await session.scalar(select(Question.id).limit(1)))
    with pytest.raises(RuntimeError, match="after the rating"):
        async with database.session() as session:
            await review.rate(session, user_id=user.id, question_id=question_id, rating=Rating.Good)
            raise RuntimeError("after the rating")
    async with database.session() as session:
        cards = await session.scalar(select(func.count()).where(ReviewCard.user_id == user.id))
        logs = await session.scalar(select(func.count()).where(ReviewLog.user_id == user.id))
    assert (cards, logs) == (0, 0)

"""Several SQLite statements in one hop to aiosqlite's thread (`viva.infra.sqlite_hop`): they
store and read back what SQLAlchemy's own path does, run inside the unit of work's
transaction (a rollback takes them back), and fail with SQLAlchemy's error classes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy
from fsrs import Rating
from sqlalchemy import bindparam, func, insert, select, update

from tests import factories
from tests.conftest import _settings, reset_database
from viva.bank.models import Question
from viva.db import Database
from viva.infra.sqlite_hop import Runner, one_hop
from viva.practice import review
from viva.practice.models import ReviewCard, ReviewLog

AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


@pytest.fixture
async def sqlite_only(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """SQLite's database (one hop to aiosqlite's thread is SQLite's path), reset afterwards."""
    database = Database(sqlite_url)
    yield database
    await database.dispose()
    await reset_database(_settings(sqlite_url, tmp_path))


async def test_rows_written_in_one_hop_read_back_as_sqlalchemy_writes_them(
    sqlite_only: Database,
) -> None:
    database = sqlite_only
    async with database.session() as session:
        user = await factories.user(session, role="candidate")
        question_id = int(await session.scalar(select(Question.id).limit(1)))
        values = {
            "user_id": user.id,
            "question_id": question_id,
            "state": 2,
            "step": None,
            "stability": 3.25,
            "difficulty": 5.5,
            "due": AT,
            "last_review": AT,
            "reps": 1,
            "lapses": 0,
            "created_at": AT,
        }
        statement = insert(ReviewCard).values(
            {k: bindparam(k, type_=ReviewCard.__table__.c[k].type) for k in values}
        )
        read = select(ReviewCard.id, ReviewCard.due, ReviewCard.stability).where(
            ReviewCard.user_id == bindparam("owner")
        )

        def work(run: Runner) -> list[tuple[object, ...]]:
            _, count = run.execute(statement, values)
            assert count == 1
            rows, _ = run.execute(read, {"owner": user.id})
            return rows

        rows = await one_hop(await session.connection(), work)
        card = await session.scalar(select(ReviewCard).where(ReviewCard.user_id == user.id))
    assert card is not None
    assert rows == [(card.id, AT, 3.25)]  # processed results: an aware UTC datetime
    assert card.due == AT and card.last_review == AT and card.step is None


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


async def test_an_error_in_one_hop_is_sqlalchemys_and_leaves_the_connection_usable(
    sqlite_only: Database,
) -> None:
    database = sqlite_only
    bad = update(ReviewCard).values(user_id=bindparam("to")).where(ReviewCard.id > 0)
    missing = insert(ReviewLog).values(card_id=bindparam("card"), user_id=bindparam("user"))
    async with database.session() as session:
        conn = await session.connection()
        with pytest.raises(sqlalchemy.exc.IntegrityError):  # NOT NULL columns left out
            await one_hop(conn, lambda run: run.execute(missing, {"card": 1, "user": 1}))
        rows, count = await one_hop(conn, lambda run: run.execute(bad, {"to": 1}))
        assert (rows, count) == ([], 0)  # no cards yet: nothing updated
        assert await session.scalar(select(func.count()).select_from(ReviewCard)) == 0

"""Tests share no state: after each one the database is back to its seeded rows, whatever the
test added, edited or deleted (the reset in tests/conftest.py)."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from tests.conftest import SEEDED, read_rows, reset_database
from viva.bank.models import BUILTIN_TRACK, Answer, Question, Track
from viva.db import Database
from viva.settings import Settings


async def test_a_reset_brings_back_the_seeded_rows(database: Database, settings: Settings) -> None:
    seeded = SEEDED[settings.effective_database_url]
    assert seeded.tables["questions"] and seeded.tables["mock_templates"]
    async with database.session() as session:
        await factories.user(session, role="candidate")
        await factories.track(session, questions=2)
        builtin = await session.scalar(
            select(Question).join(Track).where(Track.slug == BUILTIN_TRACK, Question.number == 1)
        )
        assert builtin is not None
        builtin.text = "Edited by a test?"
        await session.delete(await session.get_one(Answer, seeded.tables["answers"][-1]["id"]))
    assert await read_rows(database) != seeded

    await reset_database(settings)

    assert await read_rows(database) == seeded

"""`viva practice`: a review session in the terminal, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.conftest import run_async
from viva.accounts import service as accounts
from viva.bank.models import BUILTIN_TRACK, Question
from viva.bank.service import require_track
from viva.cli import app
from viva.db import Database
from viva.practice import review
from viva.practice.models import ReviewCard, ReviewLog
from viva.settings import Settings

runner = CliRunner()
# Question 1 of the built-in track is Python 2 vs 3; this covers some of its key points.
TYPED = "Python 3 separates text str from binary bytes.\nprint is a function now.\n"


@pytest.fixture
def env(settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("VIVA_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIVA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VIVA_SANDBOX_UID_BASE", str(settings.sandbox_uid_base))
    monkeypatch.setenv("VIVA_REVIEW_FUZZING", "false")
    monkeypatch.delenv("VIVA_SECRET_KEY", raising=False)
    monkeypatch.delenv("VIVA_REDIS_URL", raising=False)
    return settings


async def _create_user(url: str, username: str) -> int:
    db = Database(url)
    try:
        async with db.session() as session:
            user = await accounts.create_user(
                session, username=username, password=None, role="candidate"
            )
            return user.id
    finally:
        await db.dispose()


async def _cards_and_logs(url: str, user_id: int) -> tuple[dict[int, ReviewCard], list[ReviewLog]]:
    db = Database(url)
    try:
        async with db.session() as session:
            rows = (
                await session.execute(
                    select(Question.number, ReviewCard)
                    .join(Question, Question.id == ReviewCard.question_id)
                    .where(ReviewCard.user_id == user_id)
                )
            ).all()
            logs = (
                await session.scalars(
                    select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
                )
            ).all()
            return {number: card for number, card in rows}, list(logs)
    finally:
        await db.dispose()


def test_a_review_session_rates_cards_and_keeps_them_after_quitting(
    env: Settings, unique: str
) -> None:
    username = f"rev-{unique}"
    user_id = run_async(_create_user(env.effective_database_url, username))
    answers = [
        TYPED + "\n",  # question 1: typed, ended by an empty line
        "3\n",  # Good
        "\n",  # question 2: out loud
        "1\n",  # Again
        "\n",  # question 3: out loud
        "q\n",  # quit
    ]
    result = runner.invoke(
        app, ["practice", "--user", username, "--limit", "5"], input="".join(answers)
    )
    out = " ".join(result.output.split())
    assert result.exit_code == 0, out
    assert "0 due, 5 new" in out
    assert "Q1 · " in out and "Q2 · " in out and "Q3 · " in out
    assert "✓" in out and "✗" in out  # some key points covered, some missed
    assert "covered " in out and "/7 key points" in out
    assert "Key points" in out
    assert "Good: due in 10 minutes" in out
    assert "Again: due in 1 minute" in out
    assert "reviewed 2: 1 again, 1 good" in out
    assert "Traceback" not in out

    cards, logs = run_async(_cards_and_logs(env.effective_database_url, user_id))
    assert len(logs) == 2 and len(cards) == 2
    assert [log.rating for log in logs] == [3, 1]
    assert logs[0].coverage is not None and 0 < logs[0].coverage < 1
    assert logs[1].coverage is None  # answered out loud
    assert all(log.duration_ms is not None and log.duration_ms >= 0 for log in logs)
    assert cards[1].due > cards[2].due  # Good waits longer than Again


async def _one_new_card_a_day(url: str, user_id: int) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            track = await require_track(session, slug=BUILTIN_TRACK)
            await review.set_setting(
                session, user_id=user_id, track_id=track.id, desired_retention=0.9, new_per_day=1
            )
    finally:
        await db.dispose()


def test_when_nothing_is_due_it_says_when_the_next_card_is(env: Settings, unique: str) -> None:
    username = f"rev-{unique}"
    user_id = run_async(_create_user(env.effective_database_url, username))
    run_async(_one_new_card_a_day(env.effective_database_url, user_id))
    result = runner.invoke(app, ["practice", "--user", username], input="\n4\n")
    out = " ".join(result.output.split())
    assert result.exit_code == 0, out
    assert "0 due, 1 new" in out and "Easy: due in" in out and "days" in out
    assert "reviewed 1: 1 easy" in out
    assert "nothing due — next card due in" in out
    again = runner.invoke(app, ["practice", "--user", username])
    out = " ".join(again.output.split())
    assert again.exit_code == 0 and "0 due, 0 new" in out and "reviewed 0" in out
    assert "nothing due — next card due in" in out and "days" in out


def test_unknown_user_and_track_fail_cleanly(env: Settings, unique: str) -> None:
    result = runner.invoke(app, ["practice", "--user", f"nobody-{unique}"])
    assert result.exit_code == 1 and "no user 'nobody-" in result.output
    username = f"rev-{unique}"
    run_async(_create_user(env.effective_database_url, username))
    result = runner.invoke(app, ["practice", "--user", username, "--track", f"none-{unique}"])
    assert result.exit_code == 1 and f"no track 'none-{unique}'" in result.output
    assert "Traceback" not in result.output

"""Spaced-repetition review with FSRS: scheduling, the queue, settings, challenge verdicts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.conftest import Client
from tests.practice.test_mock import user_with_token
from viva.bank import repository
from viva.bank.models import BUILTIN_TRACK
from viva.db import Database
from viva.practice import review
from viva.practice.models import ReviewCard, ReviewLog
from viva.settings import Settings

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def _question_ids(database: Database, *numbers: int) -> list[int]:
    async with database.session() as session:
        track = await repository.get_track(session, slug=BUILTIN_TRACK)
        assert track is not None
        out = []
        for n in numbers:
            q = await repository.get_question_by_number(session, track_id=track.id, number=n)
            assert q is not None
            out.append(q.id)
        return out


async def _history(
    database: Database, user_id: int, question_id: int, ratings: list[str], *, step: timedelta
) -> ReviewCard:
    """Rate one card several times, each review when it falls due (or `step` later)."""
    at = T0
    async with database.session() as session:
        for name in ratings:
            card = await review.rate(
                session,
                user_id=user_id,
                question_id=question_id,
                rating=review.parse_rating(name),
                at=at,
                fuzz=False,
            )
            at = max(card.due, at + step)
        return card


async def test_good_is_due_later_than_again(database: Database, settings: Settings) -> None:
    user, _ = await user_with_token(database, settings, "candidate")
    q1, q2 = await _question_ids(database, 1, 2)
    good = await _history(database, user.id, q1, ["good"], step=timedelta(0))
    again = await _history(database, user.id, q2, ["again"], step=timedelta(0))
    assert good.due > again.due > T0


async def test_ratings_order_the_intervals_and_fuzzing_off_is_deterministic(
    database: Database, settings: Settings
) -> None:
    alice, _ = await user_with_token(database, settings, "candidate")
    bob, _ = await user_with_token(database, settings, "candidate")
    qs = await _question_ids(database, 3, 4, 5, 6)
    step = timedelta(minutes=1)
    dues = {}
    for q, last in zip(qs, ["again", "hard", "good", "easy"], strict=True):
        card = await _history(database, alice.id, q, ["good", "good", "good", last], step=step)
        dues[last] = card.due
    assert dues["again"] < dues["hard"] < dues["good"] < dues["easy"]
    twin = await _history(database, bob.id, qs[2], ["good", "good", "good", "good"], step=step)
    assert twin.due == dues["good"]  # same history, same schedule
    assert twin.state == 2 and twin.reps == 4


async def test_higher_desired_retention_means_shorter_intervals(
    database: Database, settings: Settings
) -> None:
    relaxed, _ = await user_with_token(database, settings, "candidate")
    strict, _ = await user_with_token(database, settings, "candidate")
    (q,) = await _question_ids(database, 7)
    async with database.session() as session:
        track = await repository.get_track(session, slug=BUILTIN_TRACK)
        assert track is not None
        await review.set_setting(
            session, user_id=relaxed.id, track_id=track.id, desired_retention=0.8, new_per_day=5
        )
        await review.set_setting(
            session, user_id=strict.id, track_id=track.id, desired_retention=0.97, new_per_day=5
        )
    history = ["good", "good", "good"]
    a = await _history(database, relaxed.id, q, history, step=timedelta(minutes=1))
    b = await _history(database, strict.id, q, history, step=timedelta(minutes=1))
    assert a.due > b.due


async def test_the_queue_api_new_cards_ratings_and_settings(
    client: Client, database: Database, settings: Settings
) -> None:
    _, me = await user_with_token(database, settings, "candidate")
    put = await client.put(
        "/api/v1/me/review/settings",
        json={"desired_retention": 0.85, "new_per_day": 3},
        headers=me,
    )
    assert put.status_code == 200 and put.json()["desired_retention"] == 0.85
    bad = await client.put(
        "/api/v1/me/review/settings", json={"desired_retention": 0.5}, headers=me
    )
    assert bad.status_code == 422
    queue = (await client.get("/api/v1/me/review/queue", headers=me)).json()
    assert [i["card"]["state"] for i in queue["items"]] == ["new"] * 3
    assert [i["number"] for i in queue["items"]] == [1, 2, 3]
    first = queue["items"][0]["question_id"]
    rated = await client.post(
        f"/api/v1/me/review/{first}/rating", json={"rating": "easy"}, headers=me
    )
    assert rated.status_code == 200 and rated.json()["state"] == "review"
    wrong = await client.post(
        f"/api/v1/me/review/{first}/rating", json={"rating": "perfect"}, headers=me
    )
    assert wrong.status_code == 422
    after = (await client.get("/api/v1/me/review/queue", headers=me)).json()
    # the rated card is due in days; today's new-card allowance has one card left of three
    assert [i["number"] for i in after["items"]] == [2, 3]
    stats = (await client.get("/api/v1/me/review/stats", headers=me)).json()
    today = datetime.now(UTC).date().isoformat()
    assert stats["heatmap"][today] == 1 and stats["cards"] == 1 and len(stats["forecast"]) == 30
    progress = (await client.get("/api/v1/me/progress", headers=me)).json()
    assert progress["ratings"] == {"easy": 1}


async def test_the_key_point_check_on_a_real_answer(client: Client, database: Database) -> None:
    (qid,) = await _question_ids(database, 1)
    async with database.session() as session:
        q = await repository.get_question(session, question_id=qid)
        assert q is not None and q.answer is not None
        points = q.answer.key_points
    typed = points[0] + ". " + points[1]
    checked = await client.post(
        f"/api/v1/me/review/{qid}/check", json={"answer": typed}, headers=client.candidate
    )
    assert checked.status_code == 200
    covered = [p["covered"] for p in checked.json()["points"]]
    assert covered[:2] == [True, True] and not all(covered)
    assert checked.json()["coverage"] == round(sum(covered) / len(covered), 4)


async def test_challenge_verdicts_feed_the_schedule(
    client: Client, database: Database, settings: Settings
) -> None:
    user, me = await user_with_token(database, settings, "candidate")
    wrong = "def is_palindrome(s: str) -> bool:\n    return False\n"
    right = (  # casefold and NFC: the hidden tests reject lower() and unnormalised text
        "import unicodedata\n"
        "def is_palindrome(s: str) -> bool:\n"
        "    t = [c.casefold() for c in unicodedata.normalize('NFC', s) if c.isalnum()]\n"
        "    return t == t[::-1]\n"
    )
    for source in (wrong, right):
        response = await client.post(
            "/api/v1/challenges/palindrome/submissions?wait=true",
            json={"source": source},
            headers=me,
        )
        assert response.status_code == 201, response.text
    async with database.session() as session:
        logs = (
            await session.scalars(
                select(ReviewLog).where(ReviewLog.user_id == user.id).order_by(ReviewLog.id)
            )
        ).all()
        card = await session.get(ReviewCard, logs[0].card_id)
        assert card is not None
        question = await repository.get_question(session, question_id=card.question_id)
    assert [(log.source, log.rating) for log in logs] == [("challenge", 1), ("challenge", 2)]
    assert question is not None and "palindrome" in question.text.lower()


async def test_a_stored_schedule_is_exactly_fsrs_s_over_a_history_with_a_lapse(
    database: Database, settings: Settings
) -> None:
    # What fsrs itself computes for the same history, card by card: the stored state, due
    # date, counters and the log rows written beside it (a review also records an attempt).
    from fsrs import Card, Rating, Scheduler, State

    from viva.accounts.models import Attempt

    user, _ = await user_with_token(database, settings, "candidate")
    (q,) = await _question_ids(database, 9)
    plan = Scheduler(desired_retention=0.9, enable_fuzzing=False)
    expected = Card(card_id=0, state=State.Learning, step=0, due=T0)
    lapses, at = 0, T0
    history = ["good", "good", "good", "again", "hard", "easy"]
    async with database.session() as session:
        for name in history:
            rating = review.parse_rating(name)
            if rating == Rating.Again and expected.state == State.Review:
                lapses += 1
            expected, _ = plan.review_card(expected, rating, review_datetime=at)
            returned = await review.rate(
                session, user_id=user.id, question_id=q, rating=rating, at=at, fuzz=False
            )
            assert (returned.due, returned.state, returned.lapses) == (
                expected.due,
                int(expected.state),
                lapses,
            )
            at = expected.due + timedelta(minutes=5)
    assert lapses == 1  # the "again" came in the Review state
    async with database.session() as session:
        card = await session.scalar(
            select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.question_id == q)
        )
        assert card is not None
        assert (card.state, card.step, card.due, card.last_review) == (
            int(expected.state),
            expected.step,
            expected.due,
            expected.last_review,
        )
        assert card.stability == expected.stability and card.difficulty == expected.difficulty
        assert (card.reps, card.lapses) == (len(history), 1)
        logs = (
            await session.scalars(
                select(ReviewLog.rating).where(ReviewLog.card_id == card.id).order_by(ReviewLog.id)
            )
        ).all()
        assert logs == [int(review.parse_rating(n)) for n in history]
        attempts = await session.scalars(
            select(Attempt.value).where(Attempt.user_id == user.id).order_by(Attempt.id)
        )
        assert attempts.all() == history


async def test_two_first_ratings_of_one_card_at_once_both_count(
    database: Database, settings: Settings
) -> None:
    # Both see no card yet; one inserts it, the other finds it taken and rates the card the
    # first one made (no duplicate card, no error, both reviews logged).
    user, _ = await user_with_token(database, settings, "candidate")
    (q,) = await _question_ids(database, 11)

    async def rate_once() -> None:
        async with database.session() as session:
            await review.rate(
                session,
                user_id=user.id,
                question_id=q,
                rating=review.parse_rating("good"),
                source="challenge",
                fuzz=False,
            )

    await asyncio.gather(rate_once(), rate_once())
    async with database.session() as session:
        cards = (
            await session.scalars(
                select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.question_id == q)
            )
        ).all()
        assert len(cards) == 1 and cards[0].reps == 2
        logged = await session.scalars(select(ReviewLog).where(ReviewLog.card_id == cards[0].id))
        assert len(logged.all()) == 2


async def test_rating_a_question_that_does_not_exist_is_a_404(client: Client) -> None:
    response = await client.post(
        "/api/v1/me/review/999999/rating", json={"rating": "good"}, headers=client.candidate
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_two_ratings_of_a_reviewed_card_at_once_are_applied_one_after_the_other(
    database: Database, settings: Settings
) -> None:
    user, _ = await user_with_token(database, settings, "candidate")
    (q,) = await _question_ids(database, 12)
    await _history(database, user.id, q, ["good"], step=timedelta(0))

    async def rate_once(name: str) -> None:
        async with database.session() as session:
            await review.rate(
                session,
                user_id=user.id,
                question_id=q,
                rating=review.parse_rating(name),
                at=T0 + timedelta(days=1),
                fuzz=False,
            )

    await asyncio.gather(rate_once("good"), rate_once("easy"))
    async with database.session() as session:
        card = await session.scalar(
            select(ReviewCard).where(ReviewCard.user_id == user.id, ReviewCard.question_id == q)
        )
        assert card is not None and card.reps == 3  # neither rating was lost
        logged = await session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id))
        assert len(logged.all()) == 3


async def test_a_rating_whose_unit_of_work_fails_lets_the_next_rating_through(
    database: Database, settings: Settings
) -> None:
    # A rating holds its turn to write (on SQLite the one writer turn) until its unit of
    # work ends; one that fails (rolled back) must give it back, or every later rating of
    # that card (on SQLite: every later rating) would wait.
    user, _ = await user_with_token(database, settings, "candidate")
    (q,) = await _question_ids(database, 13)
    good = review.parse_rating("good")
    try:
        async with database.session() as session:
            await review.rate(session, user_id=user.id, question_id=q, rating=good)
            raise LookupError("the request failed after the rating")
    except LookupError:
        pass
    async with asyncio.timeout(30), database.session() as session:
        card = await review.rate(session, user_id=user.id, question_id=q, rating=good)
    assert card.reps == 1  # the failed one was rolled back

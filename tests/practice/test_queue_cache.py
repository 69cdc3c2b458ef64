"""What signed-in reads keep per process: each user's review queue (dropped by any change
to the user's cards or settings, at once here and with Redis everywhere, else within
QUEUE_CACHE_SECONDS) and graded submissions (immutable; who may see one is still checked
on every read)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests import factories
from tests.infra.cluster import SOLUTION, Cluster, server_mode
from tests.practice.test_mock import user_with_token
from tests.served import Clock, Served, serve_in_process, two_processes
from viva.db import Database
from viva.practice import review
from viva.practice.queue_cache import QUEUE_CACHE_SECONDS, QueueCache
from viva.settings import Settings


def _queue_clock(app: FastAPI, clock: Clock) -> None:
    cache: QueueCache = app.state.queue_cache
    cache.entries.clock = clock


@pytest.fixture(name="served")
async def served_app(settings: Settings, database: Database) -> AsyncIterator[Served]:
    async with serve_in_process(settings, _queue_clock) as app:
        yield app


def _first_new(queue: dict[str, object]) -> int:
    items = queue["items"]
    assert isinstance(items, list) and items
    return int(items[0]["question_id"])


async def test_a_rating_committed_by_another_process_shows_within_the_bound(
    served: Served, database: Database, settings: Settings
) -> None:
    user, me = await user_with_token(database, settings, "candidate")
    before = (await served.http.get("/api/v1/me/review/queue", headers=me)).json()
    first = _first_new(before)
    async with database.session() as session:  # not this process's cache (e.g. a worker)
        await review.rate(
            session, user_id=user.id, question_id=first, rating=review.parse_rating("easy")
        )
    served.clock.now += QUEUE_CACHE_SECONDS / 2
    stale = (await served.http.get("/api/v1/me/review/queue", headers=me)).json()
    assert stale == before
    served.clock.now += QUEUE_CACHE_SECONDS / 2
    fresh = (await served.http.get("/api/v1/me/review/queue", headers=me)).json()
    assert first not in [i["question_id"] for i in fresh["items"]]


async def test_a_rating_through_the_api_changes_the_next_queue_at_once(
    served: Served, database: Database, settings: Settings
) -> None:
    _, me = await user_with_token(database, settings, "candidate")
    _, other = await user_with_token(database, settings, "candidate")
    before = (await served.http.get("/api/v1/me/review/queue", headers=me)).json()
    theirs = (await served.http.get("/api/v1/me/review/queue", headers=other)).json()
    first = _first_new(before)
    rated = await served.http.post(
        f"/api/v1/me/review/{first}/rating", json={"rating": "good"}, headers=me
    )
    assert rated.status_code == 200
    after = (await served.http.get("/api/v1/me/review/queue", headers=me)).json()
    assert first not in [i["question_id"] for i in after["items"]]
    # another user's queue is theirs alone
    assert (await served.http.get("/api/v1/me/review/queue", headers=other)).json() == theirs
    smaller = await served.http.get("/api/v1/me/review/queue?limit=1", headers=me)
    assert len(smaller.json()["items"]) == 1


async def test_with_redis_a_rating_in_one_process_refreshes_the_queue_of_another(
    settings: Settings, database: Database, redis_url: str
) -> None:
    shared = settings.model_copy(
        update={"redis_url": redis_url, "cache_prefix": f"viva-test-{uuid.uuid4().hex}"}
    )
    _, me = await user_with_token(database, settings, "candidate")
    async with two_processes(shared) as (one, other):
        first_http, second_http = one.http, other.http
        before = (await second_http.get("/api/v1/me/review/queue", headers=me)).json()
        first = _first_new(before)
        rated = await first_http.post(
            f"/api/v1/me/review/{first}/rating", json={"rating": "good"}, headers=me
        )
        assert rated.status_code == 200
        for _ in range(200):  # the pub/sub notice (milliseconds)
            after = (await second_http.get("/api/v1/me/review/queue", headers=me)).json()
            if after != before:
                break
            await asyncio.sleep(0.01)
        assert first not in [i["question_id"] for i in after["items"]]


async def test_a_graded_submission_is_read_back_without_the_database_but_not_by_others(
    served: Served, database: Database, settings: Settings
) -> None:
    owner, mine = await user_with_token(database, settings, "candidate")
    _, stranger = await user_with_token(database, settings, "candidate")
    _, interviewer = await user_with_token(database, settings, "interviewer")
    _, admin = await user_with_token(database, settings, "admin")
    async with database.session() as session:
        done = await factories.submission(
            session,
            status="done",
            user_id=owner.id,
            verdict="Accepted",
            score=1.0,
            passed=3,
            total=3,
        )
        queued = await factories.submission(session, user_id=owner.id)
    first = await served.http.get(f"/api/v1/submissions/{done.id}", headers=mine)
    assert first.status_code == 200 and first.json()["verdict"] == "Accepted"
    assert (await served.http.get("/api/v1/me", headers=admin)).status_code == 200  # known now
    statements: list[object] = []

    def count(*args: object) -> None:
        statements.append(args[2])

    engine = served.app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        again = await served.http.get(f"/api/v1/submissions/{done.id}", headers=mine)
        by_admin = await served.http.get(f"/api/v1/submissions/{done.id}", headers=admin)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.json() == first.json() and by_admin.status_code == 200
    assert statements == []
    for headers in (stranger, interviewer):  # not assigned: as if it did not exist
        refused = await served.http.get(f"/api/v1/submissions/{done.id}", headers=headers)
        assert refused.status_code == 404
    # an unfinished one is read from the database each time (it is still changing)
    assert (await served.http.get(f"/api/v1/submissions/{queued.id}", headers=mine)).json()[
        "status"
    ] == "queued"
    assert served.app.state.finished_submissions.get(queued.id) is None


async def test_a_verdict_graded_in_this_process_changes_the_next_queue_at_once(
    served: Served, database: Database, settings: Settings
) -> None:
    _, me = await user_with_token(database, settings, "candidate")
    before = (await served.http.get("/api/v1/me/review/queue?limit=100", headers=me)).json()
    assert 8 in [i["number"] for i in before["items"]]  # palindrome practises question 8
    graded = await served.http.post(
        "/api/v1/challenges/palindrome/submissions?wait=true",
        json={"source": SOLUTION},
        headers=me,
    )
    assert graded.status_code == 201 and graded.json()["verdict"] == "Accepted"
    after = (await served.http.get("/api/v1/me/review/queue?limit=100", headers=me)).json()
    assert 8 not in [i["number"] for i in after["items"]]  # the clock never moved


class _LongQueueCache(Cluster):
    """A deployment whose API keeps a queue far longer than the test waits, so a queue still
    stale at the end can only be one that nobody dropped."""

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(VIVA_QUEUE_CACHE_SECONDS="300", **extra)


def _new_numbers(api_url: str, headers: dict[str, str]) -> list[int]:
    queue = httpx.get(f"{api_url}/api/v1/me/review/queue?limit=100", headers=headers, timeout=60)
    assert queue.status_code == 200, queue.text
    return [i["number"] for i in queue.json()["items"] if i["card"]["state"] == "new"]


def test_a_verdict_graded_by_a_worker_process_refreshes_the_queue_at_once(
    tmp_path: Path,
) -> None:
    # `viva serve` only enqueues; a `viva worker` process grades and moves the card of the
    # question the challenge practises (palindrome: question 8) in its own transaction.
    with server_mode(tmp_path, name="queue", kind=_LongQueueCache) as cluster:
        cluster.start_worker(slots=1)
        assert 8 in _new_numbers(cluster.api_url, cluster.headers)  # now kept by the API
        submission = cluster.submit(SOLUTION)
        (done,) = cluster.wait_done([submission], seconds=180)
        assert done.verdict == "Accepted"
        deadline = time.monotonic() + 10  # the pub/sub notice takes milliseconds
        while 8 in (numbers := _new_numbers(cluster.api_url, cluster.headers)):
            assert time.monotonic() < deadline, f"still new after the verdict: {numbers}"
            time.sleep(0.05)

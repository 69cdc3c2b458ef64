"""The request's unit of work: opened only when a route needs the database, ended before the
response is sent, and never leaving a pooled connection checked out, whatever the request did
(a cached read, a database read, a write, a refused write, bad input, a cancelled caller)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests import factories
from viva.accounts.auth_cache import AUTH_CACHE_INFO
from viva.accounts.models import User
from viva.app import create_app
from viva.bank.models import Question
from viva.db import Database
from viva.errors import NotFound
from viva.settings import Settings


@pytest.fixture
async def served(settings: Settings, database: Database) -> AsyncIterator[tuple[FastAPI, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as http:
            yield app, http


def checked_out(app: FastAPI) -> int:
    database: Database = app.state.database
    return int(database.engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_no_connection_stays_checked_out_after_many_mixed_requests(
    served: tuple[FastAPI, Any], database: Database, settings: Settings
) -> None:
    app, http = served
    async with database.session() as session:
        user = await factories.user(session, role="candidate")
        question_id = await session.scalar(select(Question.id).limit(1))
        submission = await factories.submission(session, user_id=user.id, status="done")
    bearer = factories.bearer(user, key=settings.effective_secret_key)
    requests: list[tuple[str, str, dict[str, Any], int]] = [
        ("GET", "/api/v1/me", {}, 200),  # the auth cache, after the first
        ("GET", f"/api/v1/submissions/{submission.id}", {}, 200),  # a read
        ("GET", "/api/v1/submissions/2147483647", {}, 404),  # a read that fails
        ("GET", "/api/v1/me/review/queue", {}, 200),
        ("POST", f"/api/v1/me/review/{question_id}/rating", {"json": {"rating": "good"}}, 200),
        ("POST", "/api/v1/me/review/2147483647/rating", {"json": {"rating": "good"}}, 404),
        ("POST", f"/api/v1/me/review/{question_id}/rating", {"json": {"rating": "?"}}, 422),
        ("GET", "/api/v1/me", {"headers": {"Authorization": "Bearer forged"}}, 401),
    ]
    for _ in range(5):  # 40 requests, eight at a time
        answers = await asyncio.gather(
            *(
                http.request(method, url, **{"headers": bearer, **kwargs})
                for method, url, kwargs, _ in requests
            )
        )
        assert [a.status_code for a in answers] == [status for *_, status in requests]
    assert checked_out(app) == 0


async def test_a_request_the_auth_cache_serves_begins_no_transaction(
    served: tuple[FastAPI, Any], database: Database, settings: Settings
) -> None:
    app, http = served
    async with database.session() as session:
        user = await factories.user(session, role="candidate")
    bearer = factories.bearer(user, key=settings.effective_secret_key)
    assert (await http.get("/api/v1/me", headers=bearer)).status_code == 200  # fills the cache
    begun: list[Session] = []

    def note(session: Session, _transaction: Any, _connection: Any) -> None:
        if session.info.get(AUTH_CACHE_INFO) is app.state.auth_cache:  # the app's sessions
            begun.append(session)

    event.listen(Session, "after_begin", note)
    try:
        for _ in range(20):
            answer = await http.get("/api/v1/me", headers=bearer)
            assert answer.status_code == 200
            assert answer.json()["id"] == user.id
        assert begun == []
        # ...while a route that reads the database does begin one, so the listener works.
        assert (await http.get("/api/v1/me/review/queue", headers=bearer)).status_code == 200
        assert len(begun) == 1
    finally:
        event.remove(Session, "after_begin", note)
    assert checked_out(app) == 0


async def test_a_unit_of_work_whose_task_is_cancelled_gives_its_connection_back(
    database: Database,
) -> None:
    started = asyncio.Event()

    async def reads_then_waits() -> None:
        async with database.session() as session:
            await session.execute(select(Question.id).limit(1))  # a connection is held
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(reads_then_waits())
    await started.wait()
    assert database.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def rename(database: Database, user_id: int, name: str, error: Exception | None) -> None:
    async with database.session() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.username = name
        await session.flush()
        if error is not None:
            raise error


async def test_an_error_rolls_back_and_an_error_that_keeps_work_commits(
    database: Database,
) -> None:
    async with database.session() as session:
        user_id = (await factories.user(session, role="candidate")).id
    with pytest.raises(NotFound):
        await rename(database, user_id, f"rolled-back-{user_id}", NotFound("refused"))
    with pytest.raises(NotFound):
        await rename(database, user_id, f"kept-{user_id}", NotFound("kept", keep_work=True))
    async with database.session() as session:
        user = await session.get(User, user_id, populate_existing=True)
        assert user is not None and user.username == f"kept-{user_id}"
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]

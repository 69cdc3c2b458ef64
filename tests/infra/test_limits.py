"""Request hygiene: 413 for large bodies, 429 with Retry-After and RateLimit headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import make_user
from viva.app import create_app
from viva.db import Database
from viva.settings import Settings

SOURCE = {"source": "def is_palindrome(text):\n    return True\n"}


@pytest.fixture(params=["memory", "redis"])
async def limited(
    request: pytest.FixtureRequest, settings: Settings, database: Database, unique: str
) -> AsyncIterator[httpx.AsyncClient]:
    overrides: dict[str, object] = {"rate_limit_submissions": "3/minute", "max_body_bytes": 4096}
    if request.param == "redis":
        overrides |= {
            "redis_url": request.getfixturevalue("redis_url"),
            "cache_prefix": f"rl-{unique}",
            # Redis for the limits only: with grading on it too, Runs would go to `viva
            # worker` processes, and this test starts none.
            "grading_queue": "inprocess",
        }
    app = create_app(settings.model_copy(update=overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://viva.test",
            headers=await make_user(database, settings, role="candidate"),
        ) as client:
            yield client


async def test_the_fourth_run_in_a_minute_gets_429(limited: httpx.AsyncClient) -> None:
    for remaining in ("2", "1", "0"):
        ok = await limited.post("/api/v1/challenges/palindrome/run", json=SOURCE)
        assert ok.status_code == 200 and ok.headers["ratelimit-remaining"] == remaining
    refused = await limited.post("/api/v1/challenges/palindrome/run", json=SOURCE)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (
        refused.headers["ratelimit-limit"] == "3" and refused.headers["ratelimit-remaining"] == "0"
    )


async def test_a_body_over_the_limit_gets_413(limited: httpx.AsyncClient) -> None:
    big = {"source": "x = 1\n" * 2000}
    response = await limited.post("/api/v1/challenges/palindrome/run", json=big)
    assert response.status_code == 413
    assert response.json()["title"] == "Content too large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"source": "'
        for _ in range(100):
            yield b"y" * 100
        yield b'"}'

    streamed = await limited.post(
        "/api/v1/challenges/palindrome/run",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413

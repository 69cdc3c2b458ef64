"""A Redis outage degrades instead of failing: a redis-server of the test's own is killed
and restarted under a running app, and every route keeps answering.

While Redis is down: public reads are served from the database (the shared cache is off),
rate limits count per process, `/healthz` answers 200 "degraded", `/readyz` 200 with
`redis: false`. One warning per outage. When Redis is back the first request succeeds, the
breaker closes within its reset time, and the shared cache fills again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import _settings, make_user
from tests.servers import RedisServer
from viva.app import create_app
from viva.db import Database
from viva.infra.logging import configure_logging
from viva.infra.redis import RedisClient, RedisUnavailable
from viva.settings import Settings


def _warnings(text: str, event: str) -> int:
    """Lines of this event (JSON or console format), not of events whose name contains it."""
    return sum(
        1
        for line in text.splitlines()
        if f'"event": "{event}"' in line or f"] {event} " in line or line.endswith(f"] {event}")
    )


async def test_the_breaker_opens_once_per_outage_and_closes_when_redis_returns(
    own_redis: RedisServer, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="warning", fmt="json")
    client = RedisClient(own_redis.url, reset_after=0.3)
    recovered: list[float] = []

    async def hook() -> None:
        recovered.append(time.monotonic())

    client.on_recovery(hook)
    try:
        assert await client.call(lambda r: r.set("k", b"v")) is True
        own_redis.stop()
        for _ in range(20):
            with pytest.raises(RedisUnavailable):
                await client.call(lambda r: r.get("k"))
        assert client.available is False
        assert await client.publish("ch", b"x") is False  # never raises
        own_redis.start()
        for _ in range(50):
            if await client.ping():
                break
            await asyncio.sleep(0.1)
        assert client.available is True
        await asyncio.sleep(0.05)  # the recovery hook runs as its own task
        assert len(recovered) == 1
    finally:
        await client.close()
    err = capfd.readouterr().err
    assert _warnings(err, "redis_unavailable") == 1, err
    assert _warnings(err, "redis_recovered") == 1, err


@pytest.fixture
async def served(
    own_redis: RedisServer, tmp_path: Path, sqlite_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Settings]]:
    settings = _settings(sqlite_url, tmp_path, redis_url=own_redis.url, cache_prefix="outage")
    app = create_app(settings)
    app.state.redis.reset_after = 0.5
    database = Database(settings.effective_database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as c:
            yield c, await make_user(database, settings, role="candidate"), settings
    await database.dispose()


async def _every_route(c: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, int]:
    """The routes that touch Redis: edge cache (public reads), auth cache, rate limits."""
    codes = {
        "tracks": (await c.get("/api/v1/tracks")).status_code,
        "questions": (await c.get("/api/v1/questions?limit=3")).status_code,
        "home": (await c.get("/", headers={"accept": "text/html"})).status_code,
        "me": (await c.get("/api/v1/me", headers=headers)).status_code,
        "tracks-signed-in": (await c.get("/api/v1/tracks", headers=headers)).status_code,
        "token": (
            await c.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong1"})
        ).status_code,
        "healthz": (await c.get("/healthz")).status_code,
        "readyz": (await c.get("/readyz")).status_code,
    }
    return codes


EXPECTED = {
    "tracks": 200,
    "questions": 200,
    "home": 200,
    "me": 200,
    "tracks-signed-in": 200,
    "token": 401,
    "healthz": 200,
    "readyz": 200,
}


async def test_every_route_keeps_answering_while_redis_is_down_and_after_it_returns(
    served: tuple[httpx.AsyncClient, dict[str, str], Settings],
    own_redis: RedisServer,
    capfd: pytest.CaptureFixture[str],
) -> None:
    c, headers, _ = served
    assert await _every_route(c, headers) == EXPECTED
    assert (await c.get("/healthz")).json() == {"status": "ok", "redis": True}
    shared = redis.Redis.from_url(own_redis.url)
    assert shared.hlen("outage:cache:responses") > 0  # the public reads were shared

    own_redis.stop()
    for _ in range(3):
        assert await _every_route(c, headers) == EXPECTED
    assert (await c.get("/healthz")).json() == {"status": "degraded", "redis": False}
    ready = await c.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": True, "redis": False}
    # Rate limits fall back to this process's memory: still enforced, never a 500.
    codes = [
        (
            await c.post("/api/v1/auth/token", data={"username": "x", "password": "wrong1"})
        ).status_code
        for _ in range(25)
    ]
    assert set(codes) == {401, 429} and codes.count(429) >= 1

    own_redis.start()
    assert await _every_route(c, headers) == EXPECTED | {"token": 429}  # first request after
    for _ in range(40):
        if (await c.get("/healthz")).json()["redis"]:
            break
        await asyncio.sleep(0.1)
    assert (await c.get("/healthz")).json() == {"status": "ok", "redis": True}
    assert (await c.get("/readyz")).json()["redis"] is True
    assert (await c.get("/api/v1/tracks")).status_code == 200
    assert shared.hlen("outage:cache:responses") > 0  # the shared cache fills again
    shared.close()
    err = capfd.readouterr().err
    assert _warnings(err, "redis_unavailable") == 1, err
    assert "Traceback" not in err, err


async def test_an_invalidation_made_during_the_outage_is_not_undone_by_the_old_hash(
    own_redis: RedisServer,
) -> None:
    """Redis kept its data (a network blip, not a restart) but missed a DELETE: the hash is
    dropped when the breaker closes, so no process serves the entry invalidated meanwhile."""
    from viva.infra.cache import RedisCache

    client = RedisClient(own_redis.url, reset_after=0.3)
    cache = RedisCache(client, ttl=60, prefix="blip")
    await cache.start()
    try:
        await cache.set("/tracks?", b"old")
        client.redis.connection_pool.connection_kwargs["port"] = 1  # Redis unreachable
        await client.redis.connection_pool.disconnect()
        await cache.invalidate()  # cannot reach Redis: the old hash stays there
        assert await cache.get("/tracks?") is None
        client.redis.connection_pool.connection_kwargs["port"] = own_redis.port
        for _ in range(50):
            if await client.ping():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.1)
        assert await cache.get("/tracks?") is None
    finally:
        await cache.close()
        await client.close()

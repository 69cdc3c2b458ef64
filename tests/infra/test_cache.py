"""The response cache: in-process and Redis backends behave the same."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from viva.infra.cache import Cache, MemoryCache, RedisCache


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        backend: Cache = MemoryCache(ttl=60)
    else:
        url = request.getfixturevalue("redis_url")
        backend = RedisCache(url, ttl=60, prefix=f"viva-test-{uuid.uuid4().hex}")
    yield backend
    await backend.invalidate()
    await backend.close()


async def test_set_get_and_invalidate(cache: Cache) -> None:
    assert await cache.get("/a?") is None
    await cache.set("/a?", b"body")
    assert await cache.get("/a?") == b"body"
    await cache.invalidate()
    assert await cache.get("/a?") is None


async def test_memory_cache_expires_and_stays_bounded() -> None:
    cache = MemoryCache(ttl=0, max_entries=2)
    await cache.set("k", b"v")
    assert await cache.get("k") is None  # ttl 0: already stale
    bounded = MemoryCache(ttl=60, max_entries=2)
    for key in ("a", "b", "c"):
        await bounded.set(key, key.encode())
    assert await bounded.get("a") is None and await bounded.get("c") == b"c"


async def test_redis_invalidation_reaches_every_process(redis_url: str) -> None:
    prefix = f"viva-test-{uuid.uuid4().hex}"
    a, b = (
        RedisCache(redis_url, ttl=60, prefix=prefix),
        RedisCache(redis_url, ttl=60, prefix=prefix),
    )
    await a.start()
    await b.start()
    try:
        await a.set("/tracks?", b"v1")
        assert await b.get("/tracks?") == b"v1"  # from Redis, now also in b's local copy
        await a.invalidate()
        for _ in range(100):
            if await b.get("/tracks?") is None:
                break
            await asyncio.sleep(0.01)
        assert await b.get("/tracks?") is None
    finally:
        await a.close()
        await b.close()


async def test_redis_cache_without_listener_never_trusts_its_local_copy(redis_url: str) -> None:
    prefix = f"viva-test-{uuid.uuid4().hex}"
    reader, writer = (
        RedisCache(redis_url, ttl=60, prefix=prefix),
        RedisCache(redis_url, ttl=60, prefix=prefix),
    )
    try:
        await writer.set("k", b"old")
        assert await reader.get("k") == b"old"
        await writer.invalidate()
        assert await reader.get("k") is None  # not subscribed: read through to Redis
    finally:
        await reader.close()
        await writer.close()

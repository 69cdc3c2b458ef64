"""The response cache: in-process and Redis backends behave the same."""

from __future__ import annotations

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
        backend = RedisCache(url, ttl=60, key=f"viva:test:{uuid.uuid4().hex}")
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

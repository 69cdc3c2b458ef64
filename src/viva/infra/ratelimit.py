"""Rate limiting with the `limits` library: in memory by default, Redis when configured.

`RateLimiter.hit(scope, key, rate)` consumes one request or raises RateLimited (429) with
Retry-After and the RateLimit-* headers of the IETF draft. While Redis is down the limits
are counted in this process's memory instead (each process then allows the full rate:
looser, never a 500), and the shared counters are used again once Redis answers.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from viva.errors import VivaError
from viva.infra.redis import RedisClient, RedisUnavailable


class RateLimited(VivaError):
    status = 429
    title = "Too many requests"


class RateLimiter:
    def __init__(self, *, redis: RedisClient | None = None, prefix: str = "viva") -> None:
        self.redis = redis
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.shared: MovingWindowRateLimiter | None = None
        if redis is not None:
            storage = RedisStorage(
                f"async+{redis.url}",
                implementation="redispy",
                key_prefix=f"{prefix}:ratelimit",
                connection_pool=redis.redis.connection_pool,  # type: ignore[arg-type]
            )
            self.shared = MovingWindowRateLimiter(storage)

    async def _test(self, item: RateLimitItem, scope: str, key: str) -> bool:
        if self.shared is not None and self.redis is not None:
            try:
                async with self.redis.guard():
                    return await self.shared.test(item, scope, key)
            except RedisUnavailable:
                pass
        return await self.local.test(item, scope, key)

    async def _hit(self, item: RateLimitItem, scope: str, key: str) -> tuple[bool, WindowStats]:
        if self.shared is not None and self.redis is not None:
            try:
                async with self.redis.guard():
                    allowed = await self.shared.hit(item, scope, key)
                    return allowed, await self.shared.get_window_stats(item, scope, key)
            except RedisUnavailable:
                pass
        allowed = await self.local.hit(item, scope, key)
        return allowed, await self.local.get_window_stats(item, scope, key)

    async def _stats(self, item: RateLimitItem, scope: str, key: str) -> WindowStats:
        if self.shared is not None and self.redis is not None:
            try:
                async with self.redis.guard():
                    return await self.shared.get_window_stats(item, scope, key)
            except RedisUnavailable:
                pass
        return await self.local.get_window_stats(item, scope, key)

    async def check(self, scope: str, key: str, rate: str) -> None:
        """Raise RateLimited when the limit is already used up, without counting a request."""
        item = parse(rate)
        if not await self._test(item, scope, key):
            stats = await self._stats(item, scope, key)
            reset = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                f"too many failed attempts; try again in {reset} s",
                headers={
                    "Retry-After": str(reset),
                    "RateLimit-Limit": str(item.amount),
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                },
            )

    async def hit(self, scope: str, key: str, rate: str) -> dict[str, str]:
        """Count one request; returns the RateLimit headers, or raises RateLimited."""
        item = parse(rate)
        allowed, stats = await self._hit(item, scope, key)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        headers = {
            "RateLimit-Limit": str(item.amount),
            "RateLimit-Remaining": str(max(0, stats.remaining)),
            "RateLimit-Reset": str(reset),
        }
        if not allowed:
            raise RateLimited(
                f"rate limit of {rate} exceeded; try again in {reset} s",
                headers={**headers, "Retry-After": str(reset)},
            )
        return headers

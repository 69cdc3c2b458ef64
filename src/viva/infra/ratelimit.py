"""Rate limiting with the `limits` library: in memory by default, Redis when configured.

`RateLimiter.hit(scope, key, rate)` consumes one request or raises RateLimited (429) with
Retry-After and the RateLimit-* headers of the IETF draft.
"""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from viva.errors import VivaError


class RateLimited(VivaError):
    status = 429
    title = "Too many requests"


class RateLimiter:
    def __init__(self, *, redis_url: str | None, prefix: str = "viva") -> None:
        storage: Storage
        if redis_url:
            storage = RedisStorage(
                f"async+{redis_url}", implementation="redispy", key_prefix=f"{prefix}:ratelimit"
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)

    async def check(self, scope: str, key: str, rate: str) -> None:
        """Raise RateLimited when the limit is already used up, without counting a request."""
        item = parse(rate)
        if not await self.limiter.test(item, scope, key):
            stats = await self.limiter.get_window_stats(item, scope, key)
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
        allowed = await self.limiter.hit(item, scope, key)
        stats = await self.limiter.get_window_stats(item, scope, key)
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

"""The one Redis client of a process, behind a circuit breaker (seed Q39).

Everything that talks to Redis (the response cache, rate limits, pub/sub invalidations, the
grading broker) goes through `RedisClient`, so an outage is seen once and handled the same
way everywhere: the first failed command opens the breaker, callers get `RedisUnavailable`
at once (no connect timeout per request) and use their fallback; after `reset_after`
seconds one command is let through, and its success closes the breaker again. One warning
is logged per outage and one line when Redis is back; `on_recovery` hooks run then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from viva.infra.logging import log

T = TypeVar("T")
# Failures that mean "Redis is not there", as opposed to a bad command.
OUTAGE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class RedisUnavailable(Exception):
    """Redis is down, or was a moment ago and its breaker is still open: use the fallback."""


def _not_an_outage(exc: BaseException) -> bool:
    return not isinstance(exc, OUTAGE)


class RedisClient:
    """A `redis.asyncio.Redis` pool plus the breaker that guards every call to it."""

    def __init__(
        self, url: str, *, reset_after: float = 2.0, timeout: float = 1.0, name: str = "redis"
    ) -> None:
        self.url = url
        self.name = name
        # One immediate retry on a fresh connection: a pooled connection that Redis closed
        # when it restarted fails once, and the request after an outage must not.
        self.redis: Redis = Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=15,
        )
        self.reset_after = reset_after
        self._factory = AsyncCircuitBreakerFactory(
            default_threshold=1, default_ttl=reset_after, exclude=[(Exception, _not_an_outage)]
        )
        self._factory.add_listener(self._on_breaker_event)
        self._down = False
        self._recovery: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def available(self) -> bool:
        """False from the first failure of an outage until a command succeeds again."""
        return not self._down

    def on_recovery(self, hook: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `hook` each time Redis answers again after an outage."""
        self._recovery.append(hook)

    @contextlib.asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Run the block through the breaker; an outage becomes `RedisUnavailable`."""
        breaker = await self._factory.get_breaker(self.name)
        try:
            async with breaker:
                yield
        except OpenedState:
            raise RedisUnavailable(f"{self.name}: circuit open") from None
        except OUTAGE as exc:
            raise RedisUnavailable(f"{self.name}: {exc}") from exc

    async def call(self, op: Callable[[Redis], Awaitable[T]]) -> T:
        async with self.guard():
            return await op(self.redis)

    async def ping(self) -> bool:
        try:
            await self.call(lambda r: r.ping())
        except RedisUnavailable:
            return False
        return True

    async def publish(self, channel: str, data: bytes | str) -> bool:
        """Publish to the other processes; False (and nothing raised) during an outage."""
        try:
            await self.call(lambda r: r.publish(channel, data))
        except RedisUnavailable:
            return False
        return True

    async def publish_kept(self, channel: str, data: str, *, key: str, seconds: int) -> bool:
        """Publish, and keep the message at `key` for `seconds` (one round trip), for a
        listener whose subscription was down when it went out; False during an outage."""

        async def send(r: Redis) -> None:
            async with r.pipeline(transaction=False) as pipe:
                pipe.set(key, data, ex=max(1, seconds))
                pipe.publish(channel, data)
                await pipe.execute()

        try:
            await self.call(send)
        except RedisUnavailable:
            return False
        return True

    def listen(
        self,
        channel: str,
        handler: Callable[[bytes], Awaitable[None]],
        *,
        subscribed: Callable[[], Awaitable[None]] | None = None,
        lost: Callable[[], Awaitable[None]] | None = None,
    ) -> asyncio.Task[None]:
        """Call `handler` with every message on `channel`, resubscribing after outages.

        `subscribed` runs each time the subscription is (re)established, `lost` each time it
        drops; neither logs per retry (the breaker logs the outage once)."""
        task = asyncio.create_task(
            self._listen(channel, handler, subscribed, lost), name=f"viva-listen-{channel}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _listen(
        self,
        channel: str,
        handler: Callable[[bytes], Awaitable[None]],
        subscribed: Callable[[], Awaitable[None]] | None,
        lost: Callable[[], Awaitable[None]] | None,
    ) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    async with self.guard():  # subscribing counts as a call to the breaker
                        await pubsub.subscribe(channel)
                    if subscribed is not None:
                        await subscribed()
                    try:
                        async for message in pubsub.listen():
                            await handler(message["data"])
                    except OUTAGE as exc:
                        with contextlib.suppress(RedisUnavailable):
                            async with self.guard():  # tell the breaker: Redis went away
                                raise exc
            except asyncio.CancelledError:
                raise
            except RedisUnavailable:
                pass
            except Exception as exc:  # a handler's bug must not end the subscription
                log.error("redis_listener_failed", channel=channel, error=repr(exc))
            if lost is not None:
                await lost()
            await asyncio.sleep(self.reset_after)

    def _on_breaker_event(self, name: str, event_name: str, event: Any) -> None:
        if event_name != "state_changed":
            return
        state = getattr(event, "state", "")
        if state == "opened" and not self._down:
            self._down = True
            log.warning(
                "redis_unavailable",
                detail="falling back: cache off, per-process rate limits, queued grading",
                retry_every_s=self.reset_after,
            )
        elif state == "closed" and self._down:
            self._down = False
            log.warning("redis_recovered")  # the end of the outage, at the same level
            for hook in self._recovery:
                task = asyncio.get_running_loop().create_task(hook())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.redis.aclose()

"""The notifier rides the app's breaker-protected Redis client: notices published in one
process reach another's subscribers through a redis-server of the test's own; when that
server is killed, publishing never fails and each process's own subscribers still get their
notices (in-process); when it is back, fan-out resumes by itself."""

from __future__ import annotations

import asyncio

from tests.servers import RedisServer
from viva.infra.redis import RedisClient
from viva.rooms.notify import Notifier, Subscription


async def until(predicate: object, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def heard(sub: Subscription, seconds: float = 5.0) -> list[str]:
    """The types of the notices `sub` receives within `seconds` of quiet."""
    types = []
    while (notice := await sub.next(seconds)) is not None:
        types.append(notice.type)
        seconds = 0.3
    return types


async def test_fan_out_degrades_in_process_while_redis_is_down_and_resumes(
    own_redis: RedisServer,
) -> None:
    # Two processes' worth: each its own client and notifier, one channel prefix.
    client_a = RedisClient(own_redis.url, reset_after=0.3, name="redis-a")
    client_b = RedisClient(own_redis.url, reset_after=0.3, name="redis-b")
    a = Notifier(redis=client_a, prefix="notify-test")
    b = Notifier(redis=client_b, prefix="notify-test")
    await a.start()
    await b.start()
    try:
        await until(lambda: a.fan_out and b.fan_out)
        on_a, on_b = a.subscribe(7), b.subscribe(7)
        await a.publish(7, "first", {"n": 1})
        assert await heard(on_b) == ["first"]  # through Redis, to the other process
        assert await heard(on_a) == ["first"]  # and back to the publisher's own

        own_redis.stop()
        await a.publish(7, "during-outage", {"n": 2})  # does not raise
        assert await heard(on_a) == ["during-outage"]  # in-process
        assert await heard(on_b, 1.0) == []  # the other process could not hear it
        assert not a.fan_out

        own_redis.start()
        await until(lambda: a.fan_out and b.fan_out, seconds=15)
        await b.publish(7, "after", {"n": 3})
        assert await heard(on_a) == ["after"]
        assert await heard(on_b) == ["after"]
        # A reconnecting client of process A still gets what it missed, the outage included.
        resumed = a.subscribe(7, last_event_id="0-0")
        assert await heard(resumed) == ["first", "during-outage", "after"]
    finally:
        await a.close()
        await b.close()
        await client_a.close()
        await client_b.close()

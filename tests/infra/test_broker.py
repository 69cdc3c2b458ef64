"""The grading stream's delivery rules, on a redis-server of the test's own: a job is
delivered to one consumer; while that consumer lives (its heartbeat renews the job) no one
else gets it, however long it holds it; once it stops, the job goes to another consumer
after the idle timeout; an acknowledged job never comes back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from taskiq import AckableMessage
from taskiq.message import BrokerMessage

from tests.conftest import _settings
from tests.servers import RedisServer
from viva.grading.broker import StreamBroker
from viva.grading.tasks import build_broker

IDLE = 1.5  # seconds


@contextlib.asynccontextmanager
async def consumer(redis_url: str, tmp: Path, name: str) -> AsyncIterator[StreamBroker]:
    settings = _settings(
        "sqlite+aiosqlite:///unused", tmp, redis_url=redis_url, grading_redeliver_seconds=IDLE
    )
    broker = build_broker(settings, consumer=name)
    await broker.startup()
    try:
        yield broker
    finally:
        await broker.shutdown()


class Listening:
    """A consumer's listen() drained into a queue by a task (cancelling the task is the
    consumer dying: the generator is closed without acknowledging what it holds)."""

    def __init__(self, broker: StreamBroker) -> None:
        self.queue: asyncio.Queue[AckableMessage] = asyncio.Queue()
        self.task = asyncio.create_task(self._drain(broker))

    async def _drain(self, broker: StreamBroker) -> None:
        async for message in broker.listen():
            await self.queue.put(message)

    async def next(self, seconds: float) -> AckableMessage | None:
        try:
            return await asyncio.wait_for(self.queue.get(), seconds)
        except TimeoutError:
            return None

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def _job(data: bytes) -> BrokerMessage:
    return BrokerMessage(task_id=data.decode(), task_name="viva.grade", message=data, labels={})


async def test_a_held_job_stays_with_its_live_consumer_and_moves_when_it_stops(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    async with (
        consumer(own_redis.url, tmp_path, "a") as a,
        consumer(own_redis.url, tmp_path, "b") as b,
    ):
        await a.kick(_job(b"job-1"))
        from_a = Listening(a)
        got = await from_a.next(5)
        assert got is not None and got.data == b"job-1"
        from_b = Listening(b)
        assert await from_b.next(IDLE * 3) is None  # a is alive and renews the job
        await from_a.stop()  # a stops (as if killed) without acknowledging
        moved = await from_b.next(IDLE * 4)
        assert moved is not None and moved.data == b"job-1"
        await moved.ack()
        assert await from_b.next(IDLE * 3) is None  # acknowledged: never again
        await from_b.stop()

"""The Redis Stream broker of server mode: taskiq-redis's `RedisStreamBroker` with one
consumer group (every `viva worker` a consumer), acknowledgement after grading, and the
redelivery of a dead worker's idle jobs (XAUTOCLAIM) ahead of new ones. grading/tasks.py
has the tasks it delivers, grading/broker_queue.py the API's side; the README's "Running as a
server" section has the guarantees."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

from viva.clock import now
from viva.infra.logging import log
from viva.infra.redis import OUTAGE

CONSUMER_GROUP = "viva-workers"
AUTOCLAIM_EVERY = 1.0  # seconds: how soon after its idle timeout a dead worker's job moves


class StreamBroker(RedisStreamBroker):
    """taskiq-redis's stream broker, with four changes a grading queue needs.

    - Pending jobs of dead consumers are claimed (XAUTOCLAIM) before new ones, at most once
      a second, also while the stream has a backlog and also when no new job arrives
      (upstream looks only after a read that returned something; looking only after an
      empty one left a dead worker's job waiting until the backlog drained).
    - One job is read at a time, so a busy worker leaves the next job to an idle one
      instead of holding a batch in its pending list.
    - While a job is being graded its worker renews it (XCLAIM to itself resets the idle
      time), so only the job of a dead worker is redelivered, however long grading takes.
    - A Redis outage pauses the worker (one warning) instead of ending it; an ack that
      cannot reach Redis leaves the job pending, to be redelivered and skipped as done.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holding: set[Any] = set()  # entry ids yielded to the receiver, not yet acked
        self._entries: dict[str, Any] = {}  # task id -> entry id, while held
        self._released: dict[Any, float] = {}  # entry id -> seconds until it is due again

    def release(self, task_id: str, *, retry_in: float) -> None:
        """Hand a job back without acknowledging it: it is redelivered in about `retry_in`
        seconds (when the claim of the process holding its submission, which may still die,
        expires), or after the idle timeout if that is sooner."""
        entry = self._entries.get(task_id)
        if entry is not None:
            self._released[entry] = retry_in
            self.holding.discard(entry)

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        heartbeat = asyncio.create_task(self._heartbeat(), name="viva-grading-heartbeat")
        try:
            async for message in self._listen():
                yield message
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _heartbeat(self) -> None:
        """Keep the jobs this worker is grading from looking idle: a live worker keeps its
        jobs however long they take, a dead one loses them after `idle_timeout`."""
        while True:
            await asyncio.sleep(self.idle_timeout / 3000)
            if not self.holding:
                continue
            try:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    pending = await conn.xpending_range(
                        self.queue_name,
                        self.consumer_group_name,
                        min="-",
                        max="+",
                        count=1000,
                        consumername=self.consumer_name,
                    )
                    mine: list[Any] = [
                        p["message_id"] for p in pending if p["message_id"] in self.holding
                    ]
                    if mine:  # only entries still ours: never take one back from another
                        await conn.xclaim(
                            self.queue_name,
                            self.consumer_group_name,
                            self.consumer_name,
                            min_idle_time=0,
                            message_ids=mine,
                            justid=True,
                        )
            except OUTAGE:
                pass  # listen() logs the outage

    async def _listen(self) -> AsyncGenerator[AckableMessage, None]:
        down = False
        while True:
            try:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    if down:
                        await self._declare_consumer_group()
                        log.warning("grading_broker_recovered")
                        down = False
                    async for message in self._read(conn):
                        yield message
            except OUTAGE as exc:
                if not down:
                    log.warning("grading_broker_unavailable", error=str(exc))
                    down = True
                await asyncio.sleep(1)

    async def _read(self, conn: Redis) -> AsyncGenerator[AckableMessage, None]:
        looked = 0.0  # when pending jobs of dead consumers were last looked for
        while True:
            if time.monotonic() - looked >= AUTOCLAIM_EVERY:
                looked = time.monotonic()
                _, claimed, _ = await conn.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=1,
                )
                redelivered = [(e, f) for e, f in claimed if f is not None]  # None: trimmed
                for entry_id, fields in redelivered:
                    log.warning("grading_job_redelivered", entry=text_of(entry_id))
                    yield self._message(self.queue_name, entry_id, fields)
                if redelivered:
                    looked = 0.0  # there may be more: look again before the next new job
                    continue
            # The blocking read wakes at once for a new job; its timeout only bounds how
            # long the loop goes without looking for redeliveries.
            fetched: Any = await conn.xreadgroup(
                self.consumer_group_name,
                self.consumer_name,
                {self.queue_name: ">"},
                block=self.block,
                noack=False,
                count=1,
            )
            for stream, entries in fetched or []:
                for entry_id, fields in entries:
                    yield self._message(stream, entry_id, fields)

    def _message(self, stream: Any, entry_id: Any, fields: Any) -> AckableMessage:
        data = fields[b"data"]
        with contextlib.suppress(Exception):  # an unreadable job is acked and skipped
            self._entries[self.formatter.loads(data).task_id] = entry_id
        self.holding.add(entry_id)
        return AckableMessage(data=data, ack=self._ack(stream, entry_id))

    def _ack(self, stream: Any, entry_id: Any) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            self.holding.discard(entry_id)
            for task_id in [t for t, e in self._entries.items() if e == entry_id]:
                del self._entries[task_id]
            if entry_id in self._released:
                await self._due_in(entry_id, self._released.pop(entry_id))
                return
            try:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    await conn.xack(stream, self.consumer_group_name, entry_id)
            except OUTAGE as exc:
                log.warning("grading_ack_lost", entry=text_of(entry_id), error=str(exc))

        return ack

    async def _due_in(self, entry_id: Any, seconds: float) -> None:
        """Leave a handed-back entry pending, set to look idle enough to be claimed again
        (by any worker) in `seconds`: XCLAIM to itself with IDLE."""
        idle = max(0, self.idle_timeout - int(seconds * 1000))
        try:
            async with Redis(connection_pool=self.connection_pool) as conn:
                await conn.xclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=0,
                    message_ids=[entry_id],
                    idle=idle,
                    justid=True,
                )
        except OUTAGE:
            pass  # it stays pending: redelivered after the idle timeout


def seconds_until(at: datetime | None) -> float:
    return 0.0 if at is None else max(0.0, (at - now()).total_seconds())


def text_of(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

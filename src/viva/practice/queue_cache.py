"""Each user's review queue as the API last answered it, kept a few seconds per process.

A candidate's client asks for the queue again and again (after each card, on each page);
computing it is four queries. Any committed change to the user's cards or review settings
drops the user's entries at once in the process that committed it and, with Redis, in every
other process (pub/sub); otherwise an entry lives `QUEUE_CACHE_SECONDS`, which also bounds
how late a card that falls due meanwhile, or a question added to the track, shows up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from viva.infra.redis import RedisClient
from viva.infra.ttl import TtlMap
from viva.practice.models import ReviewCard, ReviewSetting

QUEUE_CACHE_SECONDS = 5.0
QUEUE_CACHE_INFO = "viva.queue_cache"  # Session.info key: the app's QueueCache
_STALE_INFO = "viva.queue_stale"  # Session.info key: users whose queue changed


class QueueCache:
    def __init__(
        self,
        *,
        ttl: float = QUEUE_CACHE_SECONDS,
        redis: RedisClient | None = None,
        prefix: str = "viva",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.entries: TtlMap[bytes] = TtlMap(ttl=ttl, max_entries=20_000, clock=clock)
        # A user's entries are keyed by a generation that a change moves on (the old ones
        # are then never read again and age out), so dropping them needs no scan.
        self._generation: dict[int, int] = {}
        self.redis = redis
        self.channel = f"{prefix}:practice:queue:invalidate"
        self._tasks: set[asyncio.Task[None]] = set()  # the listener
        self._publishing: set[asyncio.Task[None]] = set()

    def _key(self, user_id: int, track: str, limit: int) -> tuple[int, int, str, int]:
        return user_id, self._generation.get(user_id, 0), track, limit

    def get(self, *, user_id: int, track: str, limit: int) -> bytes | None:
        return self.entries.get(self._key(user_id, track, limit))

    def set(self, *, user_id: int, track: str, limit: int, body: bytes, generation: int) -> None:
        """Keep a queue computed while the user's generation was `generation` (a change
        committed meanwhile makes it stale, so it is not kept)."""
        if self._generation.get(user_id, 0) == generation:
            self.entries.set(self._key(user_id, track, limit), body)

    def generation(self, user_id: int) -> int:
        return self._generation.get(user_id, 0)

    def forget(self, user_ids: Iterable[int], *, tell_others: bool = True) -> None:
        ids = sorted(set(user_ids))
        for user_id in ids:
            self._generation[user_id] = self._generation.get(user_id, 0) + 1
        if len(self._generation) > 100_000:  # old generations only guard entries long gone
            self._generation.clear()
            self.entries.clear()
        if tell_others and ids and self.redis is not None:
            with contextlib.suppress(RuntimeError):  # no running loop: the TTL bound holds
                task = asyncio.get_running_loop().create_task(self._publish(json.dumps(ids)))
                self._publishing.add(task)
                task.add_done_callback(self._publishing.discard)

    async def _publish(self, data: str) -> None:
        assert self.redis is not None
        await self.redis.publish(self.channel, data)  # an outage: the TTL bound holds

    async def _received(self, data: bytes) -> None:
        self.forget((int(i) for i in json.loads(data)), tell_others=False)

    async def start(self) -> None:
        if self.redis is not None:
            self._tasks.add(self.redis.listen(self.channel, self._received))

    async def close(self) -> None:
        if self._publishing:  # notices of commits already made: let them go out first
            await asyncio.wait(list(self._publishing), timeout=2)
        for task in [*self._tasks, *self._publishing]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def watch(session: AsyncSession, cache: QueueCache) -> None:
    """Make `session`'s commit drop, from `cache` (and with Redis from every process's), the
    queues of the users whose cards or settings it changes. Sessions of the app's database
    carry the app's cache from the start; a process that serves no queue (a grading worker)
    watches the sessions in which it moves cards with a cache that only tells the others."""
    session.info.setdefault(QUEUE_CACHE_INFO, cache)


def changed(session: AsyncSession, *, user_id: int) -> None:
    """Note that `session` changed the user's cards without the ORM (a Core statement the
    flush hook below does not see): the queue is dropped once the session commits."""
    if session.info.get(QUEUE_CACHE_INFO) is not None:
        session.info.setdefault(_STALE_INFO, set()).add(user_id)


@event.listens_for(Session, "before_flush")
def _note_queue_changes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(QUEUE_CACHE_INFO) is None:
        return
    stale: set[int] = session.info.setdefault(_STALE_INFO, set())
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, ReviewCard | ReviewSetting) and obj.user_id is not None:
            stale.add(obj.user_id)


@event.listens_for(Session, "after_commit")
def _drop_stale_queues(session: Session) -> None:
    stale = session.info.pop(_STALE_INFO, None)
    cache = session.info.get(QUEUE_CACHE_INFO)
    if stale and isinstance(cache, QueueCache):
        cache.forget(stale)


@event.listens_for(Session, "after_rollback")
def _discard_noted_queue_changes(session: Session) -> None:
    session.info.pop(_STALE_INFO, None)

"""Per-user notifications (seed Q98): one stream per signed-in user, pushed over a WebSocket
or Server-Sent Events.

Fan-out is in-process when Viva runs as one process. With `VIVA_REDIS_URL` every process
publishes to one Redis channel, through the app's breaker-protected `RedisClient`, and
delivers what it hears to its own sockets, so a submission graded by a worker process
reaches its author's browser wherever it is connected. Each process keeps the last notices
per user for a bounded time, so a client that reconnects with its last event id gets what it
missed. A Redis outage (the breaker is open, or the subscription dropped) degrades to
in-process delivery, logged once by the client; it never fails the publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from viva.infra.redis import RedisClient

KEEP_SECONDS = 300.0  # how long a missed notice is kept for a reconnecting client
KEEP_PER_USER = 100
QUEUE_SIZE = 256  # a socket that falls this far behind is dropped (it reconnects and resumes)
EVERYONE = 0  # user id of broadcast notices


@dataclass(frozen=True, slots=True)
class Notice:
    id: str  # "<ms since epoch>-<sequence>": ordered, comparable across processes
    user_id: int
    type: str
    data: dict[str, Any]
    # The WebSocket frame, encoded once: a broadcast sends the same text to every socket.
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = json.dumps({"id": self.id, "type": self.type, "data": self.data})
        object.__setattr__(self, "text", text)

    def frame(self) -> str:
        return self.text


def _order(notice_id: str) -> tuple[int, int]:
    try:
        ms, seq = notice_id.split("-", 1)
        return int(ms), int(seq)
    except ValueError:
        return (0, 0)


Sender = Callable[[Notice], Awaitable[None]]


class Subscription:
    """One open stream of one user.

    Push (a WebSocket): `send` is called for each notice by a drain task that exists only
    while notices are waiting, so ten thousand idle sockets cost no task each. Pull (SSE):
    iterate it. A stream that falls `QUEUE_SIZE` notices behind is ended (`on_overflow`);
    the client reconnects with its last id and loses nothing still kept.
    """

    __slots__ = (
        "_drain",
        "_pending",
        "_send",
        "_waiter",
        "closed",
        "hub",
        "on_overflow",
        "user_id",
    )

    def __init__(
        self,
        hub: Notifier,
        user_id: int,
        *,
        send: Sender | None = None,
        on_overflow: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.hub = hub
        self.user_id = user_id
        self._send = send
        self.on_overflow = on_overflow
        # made on the first notice and dropped once drained: an idle socket keeps no deque
        self._pending: deque[Notice] | None = None
        self._drain: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False

    def offer(self, notice: Notice) -> None:
        if self.closed:
            return
        if self._pending is None:
            self._pending = deque()
        if len(self._pending) >= QUEUE_SIZE:  # too slow: end it, the client resumes from its id
            self.hub.dropped += 1
            self.close()
            if self.on_overflow is not None:
                asyncio.get_running_loop().create_task(self.on_overflow())
            return
        self._pending.append(notice)
        if self._send is not None:
            if self._drain is None:
                self._drain = asyncio.get_running_loop().create_task(self._run())
        else:
            self._wake()

    async def _run(self) -> None:
        assert self._send is not None
        try:
            while self._pending and not self.closed:
                await self._send(self._pending.popleft())
            self._pending = None
        except Exception:  # the socket went away; its handler closes the subscription too
            self.close()
        finally:
            self._drain = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def __aiter__(self) -> AsyncIterator[Notice]:
        while not self.closed:
            if self._pending:
                yield self._pending.popleft()
                continue
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    async def next(self, wait_seconds: float) -> Notice | None:
        """Pull mode: the next notice, or None after `wait_seconds` (or when closed)."""
        if not self._pending and not self.closed:
            self._waiter = asyncio.get_running_loop().create_future()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._waiter), wait_seconds)
        if self._pending and not self.closed:
            return self._pending.popleft()
        return None

    def close(self) -> None:
        self.closed = True
        subs = self.hub._subscribers.get(self.user_id)
        if subs is not None:
            subs.discard(self)
            if not subs:
                del self.hub._subscribers[self.user_id]
        self._wake()


class Notifier:
    """The notification hub of one process (on `app.state.notifier`)."""

    def __init__(
        self, *, redis: RedisClient | None = None, prefix: str = "viva", publish_only: bool = False
    ) -> None:
        # publish_only: a process with no sockets of its own (`viva worker`) only publishes
        self._publish_only = publish_only and redis is not None
        self._subscribers: dict[int, set[Subscription]] = {}
        self._recent: dict[int, deque[tuple[float, Notice]]] = {}
        self._sequence = itertools.count(1)
        self._channel = f"{prefix}:notify"
        self._redis = redis
        self._listener: asyncio.Task[None] | None = None
        self._listening = False  # subscribed to the channel: a published notice comes back
        self.dropped = 0

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if self._redis is not None:
            self._listener = self._redis.listen(
                self._channel, self._heard, subscribed=self._subscribed, lost=self._lost
            )

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._listening = False
        for subs in list(self._subscribers.values()):
            for sub in list(subs):
                sub.close()

    async def _subscribed(self) -> None:
        self._listening = True

    async def _lost(self) -> None:
        self._listening = False

    @property
    def fan_out(self) -> bool:
        """True while notices go through Redis (False: this process only)."""
        return self._redis is not None and self._listening and self._redis.available

    # -- publishing ------------------------------------------------------------------------
    def _new_id(self) -> str:
        return f"{int(time.time() * 1000)}-{next(self._sequence)}"

    async def publish(self, user_id: int, type: str, data: dict[str, Any]) -> Notice:
        """Send `type`/`data` to every open stream of `user_id` (EVERYONE: all users)."""
        notice = Notice(self._new_id(), user_id, type, data)
        if self._redis is not None:
            payload = json.dumps({"id": notice.id, "user_id": user_id, "type": type, "data": data})
            # Published, and subscribed: delivered here when the listener hears it back.
            # Otherwise (breaker open, or the subscription is being re-established) this
            # process's own clients get it directly.
            published = await self._redis.publish(self._channel, payload)
            if (published and self._listening) or self._publish_only:
                return notice  # a worker's notice lost while Redis is down is not retried
        self._deliver(notice)
        return notice

    def _deliver(self, notice: Notice) -> None:
        now = time.monotonic()
        recent = self._recent.setdefault(notice.user_id, deque(maxlen=KEEP_PER_USER))
        recent.append((now, notice))
        while recent and now - recent[0][0] > KEEP_SECONDS:
            recent.popleft()
        if notice.user_id == EVERYONE:
            for subs in self._subscribers.values():
                for sub in subs:
                    sub.offer(notice)
        else:
            for sub in self._subscribers.get(notice.user_id, ()):
                sub.offer(notice)

    async def _heard(self, message: bytes) -> None:
        try:
            raw = json.loads(message)
            notice = Notice(
                str(raw["id"]), int(raw["user_id"]), str(raw["type"]), dict(raw["data"])
            )
        except (ValueError, KeyError, TypeError):
            return  # not one of ours
        self._deliver(notice)

    # -- subscribing -----------------------------------------------------------------------
    def subscribe(
        self,
        user_id: int,
        *,
        last_event_id: str | None = None,
        send: Sender | None = None,
        on_overflow: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> Subscription:
        """A stream for `user_id`, first replaying what it missed after `last_event_id`."""
        sub = Subscription(self, user_id, send=send, on_overflow=on_overflow)
        if last_event_id:
            after = _order(last_event_id)
            missed = [
                n
                for uid in (user_id, EVERYONE)
                for _, n in self._recent.get(uid, ())
                if _order(n.id) > after
            ]
            for notice in sorted(missed, key=lambda n: _order(n.id)):
                sub.offer(notice)
        self._subscribers.setdefault(user_id, set()).add(sub)
        return sub

    def connected(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

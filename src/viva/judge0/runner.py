"""The background runner of Judge0 submissions: a bounded number at once, each in a worker
thread off the event loop, with the same mechanics as Viva's grading queue (stored first,
queued after the commit, picked up again by the next start if the process died).

Shape, for moving it onto another queue (e.g. taskiq): `enqueue(id)`, `wait(id, seconds)`,
`size()`, `start()`, `stop()`; the job itself is `service.process(database, settings=...,
submission_id=id)` followed by `callbacks.deliver(...)`, both safe to run in any process.
"""

from __future__ import annotations

import asyncio
import contextlib

from viva.db import Database
from viva.infra.logging import log
from viva.judge0 import callbacks, service
from viva.settings import Settings


class Judge0Runner:
    def __init__(self, *, database: Database, settings: Settings, concurrency: int) -> None:
        self.database = database
        self.settings = settings
        self.concurrency = concurrency
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._done: dict[int, asyncio.Event] = {}
        self._running = 0
        self._workers: list[asyncio.Task[None]] = []
        self._callbacks: set[asyncio.Task[bool]] = set()
        self._later: set[asyncio.Task[None]] = set()

    def available(self) -> bool:
        return not self.unavailable_reason()

    def unavailable_reason(self) -> str:
        from viva.grading import grader as grading

        return grading.grading_unavailable(self.settings)

    def size(self) -> int:
        """Submissions waiting or running in this process."""
        return self._queue.qsize() + self._running

    def stats(self) -> dict[str, int]:
        return {
            "size": self._queue.qsize(),
            "available": self.concurrency,
            "idle": max(0, self.concurrency - self._running),
            "working": self._running,
            "paused": 0,
            "failed": 0,
        }

    async def start(self) -> None:
        for slot in range(self.concurrency):
            self._workers.append(asyncio.create_task(self._work(), name=f"judge0-worker-{slot}"))
        leftovers = await service.unfinished(self.database)
        if leftovers and not self.available():
            log.warning("judge0_unavailable", left_queued=len(leftovers))
            return
        for submission_id, wait in leftovers:
            if wait <= 0:
                await self.enqueue(submission_id)
            else:  # another process may still be running it: look again when its lease ends
                later = asyncio.create_task(self._enqueue_after(submission_id, wait + 1))
                self._later.add(later)
                later.add_done_callback(self._later.discard)
        if leftovers:
            log.info("judge0_recovered", submissions=len(leftovers))

    async def stop(self) -> None:
        tasks: list[asyncio.Task[object]] = [*self._workers, *self._callbacks, *self._later]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

    async def _enqueue_after(self, submission_id: int, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.enqueue(submission_id)

    async def enqueue(self, submission_id: int) -> None:
        self._done.setdefault(submission_id, asyncio.Event())
        await self._queue.put(submission_id)

    async def wait(self, submission_id: int, seconds: float) -> bool:
        event = self._done.setdefault(submission_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        self._done.pop(submission_id, None)
        return True

    async def _work(self) -> None:
        while True:
            submission_id = await self._queue.get()
            self._running += 1
            try:
                done = await service.process(
                    self.database, settings=self.settings, submission_id=submission_id
                )
                if done is not None and done.callback_url:
                    task = asyncio.create_task(callbacks.deliver(done, config=self.settings.judge0))
                    self._callbacks.add(task)
                    task.add_done_callback(self._callbacks.discard)
            except Exception as exc:  # keep the worker alive; the next start retries the row
                log.error("judge0_worker_failed", submission=submission_id, error=repr(exc))
            finally:
                self._running -= 1
                self._queue.task_done()
                event = self._done.get(submission_id)
                if event is not None:
                    event.set()

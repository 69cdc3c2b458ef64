"""The in-process grading queue: submissions wait here for a sandbox slot.

`InProcessQueue` runs one asyncio worker per sandbox slot; each calls the one grading entry
point, `claims.grade_submission`, whose conditional claim makes sure that of several
processes on one database (`viva serve --workers N`) exactly one grades a submission. On start
and then every quarter of the lease it picks up what no live process is grading (queued, or
running on an expired lease), so nothing is lost when a process dies; on stop it hands back
its claims.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

from viva.grading import claims, service
from viva.grading.grader import grading_unavailable
from viva.grading.models import Submission
from viva.grading.service import GradingContext
from viva.infra.logging import log
from viva.infra.metrics import Metrics


class GradingQueue(Protocol):
    async def enqueue(self, submission_id: int) -> None: ...
    async def depth(self) -> int: ...
    async def wait(self, submission_id: int, seconds: float) -> bool: ...
    async def wait_graded(self, submission_id: int, seconds: float) -> Submission | None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class InProcessQueue:
    def __init__(self, ctx: GradingContext) -> None:
        self.ctx = ctx
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._done: dict[int, asyncio.Event] = {}
        # The rows this process stored for the requests waiting on them (`wait_graded`).
        self._wanted: dict[int, Submission | None] = {}
        self._workers: list[asyncio.Task[None]] = []
        self.metrics: Metrics | None = None  # the app's, when it has one

    async def start(self) -> None:
        for slot in range(self.ctx.settings.sandbox_slots):
            self._workers.append(asyncio.create_task(self._work(), name=f"grading-worker-{slot}"))
        recovered = await self._recover()
        if recovered:
            log.info("grading_recovered", submissions=recovered)
        self._workers.append(asyncio.create_task(self._sweep(), name="grading-sweep"))

    async def _recover(self) -> int:
        """Enqueue what no live process grades; 0 when this host cannot grade (they stay
        queued for a start that can, instead of failing in a loop)."""
        waiting = [i for i in await claims.recoverable(self.ctx) if i not in self._queued]
        unavailable = grading_unavailable(self.ctx.settings)
        if waiting and unavailable:
            log.warning("grading_unavailable", left_queued=len(waiting), reason=unavailable)
            return 0
        for submission_id in waiting:
            await self.enqueue(submission_id)
        return len(waiting)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(claims.renew_every(self.ctx.settings))
            try:
                await self._recover()
            except Exception as exc:  # the database is down: the next sweep retries
                log.error("grading_sweep_failed", error=repr(exc))

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        try:
            await claims.release_claims(self.ctx)
        except Exception as exc:  # their leases expire and another process takes them
            log.error("grading_release_failed", error=repr(exc))

    async def enqueue(self, submission_id: int) -> None:
        self._done.setdefault(submission_id, asyncio.Event())
        self._queued.add(submission_id)
        await self._queue.put(submission_id)

    async def depth(self) -> int:
        return self._queue.qsize()

    async def wait(self, submission_id: int, seconds: float) -> bool:
        event = self._done.setdefault(submission_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            return False
        self._done.pop(submission_id, None)
        return True

    async def wait_graded(self, submission_id: int, seconds: float) -> Submission | None:
        """The submission once its grading here ended (None if not within `seconds`): the
        row as this process stored it, handed over by the grader, or else read back (another
        process holds or graded it)."""
        self._wanted.setdefault(submission_id, None)
        try:
            done = await self.wait(submission_id, seconds)
        finally:
            row = self._wanted.pop(submission_id, None)
        return row if row is not None or not done else await read_back(self.ctx, submission_id)

    def _stored(self, row: Submission) -> None:
        if row.id in self._wanted:
            self._wanted[row.id] = row

    async def _work(self) -> None:
        while True:
            submission_id = await self._queue.get()
            try:
                await _grade(self.ctx, self.metrics, submission_id, self._stored)
            except Exception as exc:  # the database itself is down: a later sweep retries
                log.error("grading_not_stored", submission=submission_id, error=repr(exc))
            finally:
                self._queue.task_done()
                self._queued.discard(submission_id)
                event = self._done.get(submission_id)
                if event is not None:
                    event.set()


async def _grade(
    ctx: GradingContext,
    metrics: Metrics | None,
    submission_id: int,
    stored: Callable[[Submission], None],
) -> None:
    async def run() -> str | None:
        result = await claims.grade_submission(ctx, submission_id=submission_id, stored=stored)
        return None if result is None else result.verdict.value

    await (metrics.grading(run) if metrics is not None else run())


async def read_back(ctx: GradingContext, submission_id: int) -> Submission:
    """The submission as it is stored now."""
    async with ctx.database.session() as session:
        return await service.get_submission(session, submission_id=submission_id)

"""The grading queue: submissions wait here for a sandbox slot.

`InProcessQueue` runs one asyncio worker per sandbox slot and does the blocking grading in
threads, off the event loop. It is the seam a later Redis-backed queue replaces: `enqueue`,
`wait`, `start`, `stop`. On start it picks up every submission left queued or running by a
process that died, so none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from viva.db import Database
from viva.errors import NotFound, ServiceUnavailable
from viva.grading import authored, service
from viva.grading.sql.grading import SqlEngines
from viva.infra.logging import log
from viva.settings import Settings

MAX_ATTEMPTS = 3


class GradingQueue(Protocol):
    async def enqueue(self, submission_id: int) -> None: ...
    async def wait(self, submission_id: int, seconds: float) -> bool: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class InProcessQueue:
    def __init__(self, *, database: Database, settings: Settings, sql_engines: SqlEngines) -> None:
        self.database = database
        self.settings = settings
        self.sql_engines = sql_engines
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._done: dict[int, asyncio.Event] = {}
        self._workers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for slot in range(self.settings.sandbox_slots):
            self._workers.append(asyncio.create_task(self._work(), name=f"grading-worker-{slot}"))
        async with self.database.session() as session:
            leftovers = await service.unfinished_ids(session)
        unavailable = service.grading_unavailable(self.settings)
        if leftovers and unavailable:
            # They stay queued for a start that can grade them, instead of failing in a loop.
            log.warning("grading_unavailable", left_queued=len(leftovers), reason=unavailable)
            return
        for submission_id in leftovers:
            await self.enqueue(submission_id)
        if leftovers:
            log.info("grading_recovered", submissions=len(leftovers))

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()

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
            try:
                await self._grade(submission_id)
            except Exception as exc:  # keep the worker alive; the row ends as Internal Error
                log.error("grading_failed", submission=submission_id, error=repr(exc))
                await self._store_failure(submission_id)
            finally:
                self._queue.task_done()
                event = self._done.get(submission_id)
                if event is not None:
                    event.set()

    async def _store_failure(self, submission_id: int) -> None:
        """Whatever failed while grading, the submission ends done, as an Internal Error
        saying nothing of the cause (the log has it), never left running."""
        try:
            async with self.database.session() as session:
                await service.store_grade(
                    session,
                    submission_id=submission_id,
                    result=service.internal_error(service.GRADING_FAILED),
                    fuzz=self.settings.review_fuzzing,
                )
        except Exception as exc:  # the database itself is down: the next start retries
            log.error("grading_failure_not_stored", submission=submission_id, error=repr(exc))

    async def _grade(self, submission_id: int) -> None:
        async with self.database.session() as session:
            submission = await service.mark_running(session, submission_id=submission_id)
            if submission is None:
                return
            await authored.ensure(session, slug=submission.challenge)
            slug, source, attempts = submission.challenge, submission.source, submission.attempts
            dialect = submission.dialect
        if attempts > MAX_ATTEMPTS:
            result = service.internal_error(
                f"grading was interrupted {attempts - 1} times; giving up"
            )
        else:
            try:
                result, _ = await service.grade_any(
                    settings=self.settings,
                    sql_engines=self.sql_engines,
                    slug=slug,
                    source=source,
                    dialect=dialect,
                    visible_only=False,
                )
            except (NotFound, ServiceUnavailable, service.SourceRejected) as exc:
                result = service.internal_error(exc.detail)
        async with self.database.session() as session:
            await service.store_grade(
                session,
                submission_id=submission_id,
                result=result,
                fuzz=self.settings.review_fuzzing,
            )

"""The API's side of server mode: `BrokerQueue` sends submissions and Runs to the workers.

It only sends; a send that fails because Redis is down leaves the submission queued in the
database and in an outbox that is retried until Redis answers. A Run (the visible examples,
nothing stored) goes to the workers on a stream of its own so it does not wait behind a
backlog of submissions; the worker answers on the asking process's own channel and keeps the
answer in a key of its own for a while, which the API reads when its subscription comes back
(and once a second while Runs wait), so an answer sent while it was down is not lost; a Run
nobody answered in time is a 503 (and skipped by a worker that reads it later). The broker,
the tasks the workers run and the wire formats are in `viva.grading.tasks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from typing import Any

import structlog
from redis.exceptions import ResponseError
from taskiq.exceptions import SendTaskError

from viva.errors import ServiceUnavailable
from viva.grading import claims, service
from viva.grading.broker import CONSUMER_GROUP, text_of
from viva.grading.grader import GRADING_FAILED
from viva.grading.judge.outcome import Grade
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.queue import read_back
from viva.grading.tasks import (
    ANSWER_POLL_SECONDS,
    GRADE_TASK,
    RUN_ERRORS,
    RUN_TASK,
    build_broker,
    build_run_broker,
    grade_of,
    graded_channel,
    ran_channel,
    run_answer_key,
)
from viva.infra.logging import log
from viva.infra.redis import RedisClient, RedisUnavailable


class BrokerQueue:
    """The API's grading queue in server mode: send to the workers, wait for a verdict.

    Sends that fail while Redis is down wait in an outbox (the rows stay queued) and go out
    when it answers. Every quarter lease the database is also checked for submissions no
    live process grades (queued, or running on an expired lease: an API process that died
    with its outbox, a worker killed mid-grade); one waiting longer than the redelivery time
    is sent again. Duplicates are harmless: the conditional claim grades each once.
    """

    def __init__(self, ctx: service.GradingContext, *, redis: RedisClient) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.redis = redis
        self.database = ctx.database
        self.broker = build_broker(ctx.settings)
        self.run_broker = build_run_broker(ctx.settings)
        self._ran = ran_channel(ctx.settings, ctx.owner)
        self._runs: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._done: dict[int, asyncio.Event] = {}
        self._outbox: dict[int, str] = {}
        self._waiting_since: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        with contextlib.suppress(RedisUnavailable):
            async with self.redis.guard():
                await self.broker.startup()
                await self.run_broker.startup()
        listener = self.redis.listen(graded_channel(self.settings), self._graded)
        answers = self.redis.listen(self._ran, self._answered, subscribed=self._kept_answers)
        sweeper = asyncio.create_task(self._sweep(), name="viva-grading-outbox")
        recovery = asyncio.create_task(self._recover(), name="viva-grading-recovery")
        looking = asyncio.create_task(self._look_for_answers(), name="viva-grading-answers")
        self._tasks.update((listener, answers, sweeper, recovery, looking))
        self.ctx.run_elsewhere = self.run

    async def run(
        self, slug: str, source: str, dialect: str | None, *, draft: dict[str, Any] | None = None
    ) -> Grade:
        """Run the visible examples on a worker (with `draft`: all the tests of a challenge
        being authored) and return its grade; ServiceUnavailable when Redis is down or no
        worker answers within VIVA_GRADING_RUN_WAIT_SECONDS."""
        seconds = self.settings.grading_run_wait_seconds
        run_id = secrets.token_hex(8)
        request_id = structlog.contextvars.get_contextvars().get("request_id") or ""
        answer = self._runs[run_id] = asyncio.get_running_loop().create_future()
        task = self.run_broker.find_task(RUN_TASK)
        assert task is not None
        try:
            try:
                async with self.redis.guard():
                    try:
                        await task.kiq(
                            run_id,
                            self._ran,
                            time.time() + seconds,
                            slug,
                            source,
                            dialect,
                            request_id,
                            draft,
                        )
                    except SendTaskError as exc:
                        raise exc.__cause__ or exc from None
            except RedisUnavailable:
                raise ServiceUnavailable(
                    "the grading workers cannot be reached (Redis is unavailable); "
                    "try again in a moment",
                    headers={"Retry-After": "5"},
                ) from None
            try:
                data = await asyncio.wait_for(answer, seconds)
            except TimeoutError:
                log.warning("run_unanswered", run=run_id, seconds=seconds)
                raise ServiceUnavailable(
                    f"no grading worker answered within {seconds:g} s: are `viva worker` "
                    "processes running? Try again in a moment",
                    headers={"Retry-After": "5"},
                ) from None
        finally:
            self._runs.pop(run_id, None)
        if "grade" in data:
            return grade_of(data["grade"])
        error = RUN_ERRORS.get(int(data.get("status", 503)), ServiceUnavailable)
        raise error(str(data.get("error", GRADING_FAILED)))

    async def _answered(self, data: bytes) -> None:
        answer = json.loads(data)
        waiting = self._runs.get(str(answer.get("run")))
        if waiting is not None and not waiting.done():
            waiting.set_result(answer)

    async def _kept_answers(self) -> None:
        """Take the answers the workers kept for the Runs still waiting: those published
        while this process's subscription was down (or before it noticed it was)."""
        waiting = [run_id for run_id, answer in self._runs.items() if not answer.done()]
        if not waiting:
            return
        keys = [run_answer_key(self._ran, run_id) for run_id in waiting]
        try:
            found: list[Any] = await self.redis.call(lambda r: r.mget(keys))
        except RedisUnavailable:
            return  # the next look, or the next subscription, tries again
        for data in found:
            if data is not None:
                await self._answered(data)

    async def _look_for_answers(self) -> None:
        while True:
            await asyncio.sleep(ANSWER_POLL_SECONDS)
            await self._kept_answers()

    async def _recover(self) -> None:
        while True:
            await asyncio.sleep(claims.renew_every(self.settings))
            try:
                waiting = await claims.recoverable(self.ctx)
            except Exception as exc:  # the database is down: the next sweep retries
                log.error("grading_sweep_failed", error=repr(exc))
                continue
            seen = time.monotonic()
            self._waiting_since = {i: self._waiting_since.get(i, seen) for i in waiting}
            for submission_id, since in self._waiting_since.items():
                if seen - since >= self.settings.grading_redeliver_seconds:
                    log.info("grading_resent", submission=submission_id)
                    await self.enqueue(submission_id)
                    self._waiting_since[submission_id] = seen

    async def depth(self) -> int:
        """Jobs in the stream not yet delivered, plus those delivered and not acknowledged."""
        try:
            groups: Any = await self.redis.call(lambda r: r.xinfo_groups(self.broker.queue_name))
        except (RedisUnavailable, ResponseError):
            return len(self._outbox)
        group = next((g for g in groups if text_of(g["name"]) == CONSUMER_GROUP), None)
        if group is None:
            return len(self._outbox)
        return int(group.get("lag") or 0) + int(group["pending"]) + len(self._outbox)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._outbox:  # still queued in the database: the next sweep of any API sends them
            log.warning("grading_outbox_left", submissions=len(self._outbox))
        await self.broker.shutdown()
        await self.run_broker.shutdown()

    async def _graded(self, data: bytes) -> None:
        event = self._done.pop(int(data), None)
        if event is not None:
            event.set()

    async def _send(self, submission_id: int, request_id: str) -> None:
        task = self.broker.find_task(GRADE_TASK)
        assert task is not None
        async with self.redis.guard():
            try:
                await task.kiq(submission_id, request_id)
            except SendTaskError as exc:
                raise exc.__cause__ or exc from None

    async def enqueue(self, submission_id: int) -> None:
        request_id = structlog.contextvars.get_contextvars().get("request_id") or ""
        self._done.setdefault(submission_id, asyncio.Event())  # wait() usually follows
        try:
            await self._send(submission_id, request_id)
        except RedisUnavailable:
            self._outbox[submission_id] = request_id
            log.info("grading_deferred", submission=submission_id, reason="redis unavailable")

    async def _sweep(self) -> None:
        """Send what could not be sent while Redis was down (the outbox), oldest first."""
        while True:
            await asyncio.sleep(1)
            for submission_id, request_id in sorted(self._outbox.items()):
                try:
                    await self._send(submission_id, request_id)
                except RedisUnavailable:
                    break
                del self._outbox[submission_id]

    async def wait(self, submission_id: int, seconds: float) -> bool:
        """True once the submission is done: told by the worker over pub/sub, or seen in the
        database (checked every half second, in case the message was missed)."""
        return await self._wait_done(submission_id, seconds) is not None

    async def wait_graded(self, submission_id: int, seconds: float) -> Submission | None:
        """The submission once done (None if not within `seconds`): the row seen done in the
        database, or read back once the worker said it stored it."""
        done = await self._wait_done(submission_id, seconds)
        if done is None or isinstance(done, Submission):
            return done
        return await read_back(self.ctx, submission_id)

    async def _wait_done(self, submission_id: int, seconds: float) -> Submission | bool | None:
        """The row if the database showed it done, True if the worker told, None on time-out."""
        event = self._done.get(submission_id)
        check_first = event is None  # its message may have come already
        event = event or self._done.setdefault(submission_id, asyncio.Event())
        deadline = time.monotonic() + seconds
        try:
            while True:
                if check_first and (row := await self._done_row(submission_id)) is not None:
                    return row
                check_first = True
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(0.5, left))
                    return True
        finally:
            self._done.pop(submission_id, None)

    async def _done_row(self, submission_id: int) -> Submission | None:
        submission = await read_back(self.ctx, submission_id)
        return submission if submission.status == SubmissionStatus.DONE else None

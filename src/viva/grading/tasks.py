"""Grading in server mode: submissions travel to `viva worker` processes on a Redis Stream.

The broker is taskiq-redis's `RedisStreamBroker` (one consumer group, every worker a
consumer): a job is acknowledged only after it was graded, so the job of a worker that
dies stays pending and another worker claims it once it has been idle `redeliver_after`
seconds (XAUTOCLAIM). Delivery is at least once; the submission row makes the effect
once (a submission already done is never graded again). The README's "Running as a
server" section has the guarantees in full.

`BrokerQueue` is the API's side (`enqueue`, `wait`, `run`): it only sends; a send that
fails because Redis is down leaves the submission queued in the database and in an outbox
that is retried until Redis answers. A Run (the visible examples, nothing stored) goes to
the workers too, on a stream of its own so it does not wait behind a backlog of
submissions; the worker answers on the asking process's own channel and keeps the answer in
a key of its own for a while, which the API reads when its subscription comes back (and
once a second while Runs wait), so an answer sent while it was down is not lost; a Run
nobody answered in time is a 503 (and skipped by a worker that reads it later). The proof of an
authored challenge (its reference and starter on all its tests) is a Run with a draft.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError
from taskiq import Context, TaskiqDepends
from taskiq.exceptions import SendTaskError

from viva.errors import NotFound, ServiceUnavailable, SourceRejected, VivaError
from viva.grading import authoring, claims, service
from viva.grading.broker import CONSUMER_GROUP, StreamBroker, seconds_until, text_of
from viva.grading.grader import GRADING_FAILED
from viva.grading.judge.outcome import Grade, TestResult, Verdict
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.queue import read_back
from viva.infra.logging import log
from viva.infra.metrics import Metrics
from viva.infra.redis import RedisClient, RedisUnavailable
from viva.settings import Settings

GRADE_TASK = "viva.grade"
RUN_TASK = "viva.run"
# The Runs' stream is trimmed to about this many entries (a source is up to 64 KB; a Run
# unread by then was long given up on).
RUNS_KEPT = 1000


def build_broker(settings: Settings, *, consumer: str | None = None) -> StreamBroker:
    """The broker of the grading stream; a worker also registers the task on it. Each send
    trims the stream to about VIVA_GRADING_STREAM_MAXLEN entries: a job trimmed before it was
    acknowledged is still queued (or running on a dead lease) in the database, and the API's
    sweep sends it again (`BrokerQueue._recover`)."""
    broker = _stream(settings, "grading", consumer=consumer, maxlen=settings.grading_stream_maxlen)
    broker.register_task(grade, task_name=GRADE_TASK)
    return broker


def build_run_broker(settings: Settings, *, consumer: str | None = None) -> StreamBroker:
    """The broker of the Runs' stream (`<prefix>:grading:runs`), read by every worker
    beside the grading stream."""
    broker = _stream(settings, "grading:runs", consumer=consumer, maxlen=RUNS_KEPT)
    broker.register_task(run, task_name=RUN_TASK)
    return broker


def _stream(
    settings: Settings, name: str, *, consumer: str | None, maxlen: int | None = None
) -> StreamBroker:
    if not settings.redis_url:
        raise ValueError("server-mode grading needs VIVA_REDIS_URL")
    return StreamBroker(
        settings.redis_url,
        queue_name=f"{settings.cache_prefix}:{name}",
        maxlen=maxlen,
        consumer_group_name=CONSUMER_GROUP,
        consumer_name=consumer,
        consumer_id="0",  # a group created after jobs were sent still sees them
        xread_block=1000,
        idle_timeout=int(settings.grading_redeliver_seconds * 1000),
        socket_connect_timeout=1,
        socket_timeout=30,  # far longer than the 1 s blocking read, even on a loaded host
        retry=Retry(NoBackoff(), 1),  # a pooled connection Redis closed: once more, fresh
    )


def graded_channel(settings: Settings) -> str:
    return f"{settings.cache_prefix}:grading:done"


def ran_channel(settings: Settings, owner: str) -> str:
    """Where the workers answer the Runs of the API process `owner`."""
    return f"{settings.cache_prefix}:grading:ran:{owner}"


def run_answer_key(reply: str, run_id: str) -> str:
    """Where a worker keeps its answer to the Run `run_id` (beside publishing it on `reply`)."""
    return f"{reply}:{run_id}"


# How long a worker keeps a Run's answer beyond the asking process's deadline.
ANSWER_KEPT_SECONDS = 10
# While Runs wait, the API looks for their kept answers this often (a subscription that
# dropped unnoticed), besides at once each time its subscription is back.
ANSWER_POLL_SECONDS = 1.0


def grade_json(result: Grade) -> dict[str, Any]:
    return {**dataclasses.asdict(result), "verdict": result.verdict.value}


def grade_of(data: dict[str, Any]) -> Grade:
    tests = [TestResult(**t) for t in data["tests"]]
    return Grade(Verdict(data["verdict"]), float(data["score"]), tests, str(data["message"]))


# Errors a worker's Run answers with, by status (anything else: the worker could not run it).
_RUN_ERRORS: dict[int, type[VivaError]] = {404: NotFound, 422: SourceRejected}


async def run(
    run_id: str,
    reply: str,
    deadline: float,
    slug: str,
    source: str,
    dialect: str | None,
    request_id: str = "",
    draft: dict[str, Any] | None = None,
    context: Annotated[Context, TaskiqDepends()] = None,  # type: ignore[assignment]
) -> None:
    """The Run task: the visible examples in this worker's sandbox (nothing is stored), the
    grade sent to the asking API process. Skipped once that process stopped waiting
    (`deadline`, wall-clock seconds: the hosts' clocks are assumed to agree within a Run).
    With `draft` (a challenge being authored, not stored yet) all of its tests instead."""
    ctx: service.GradingContext = context.state.grading
    answer_with: Callable[..., Awaitable[bool]] = context.state.publish_kept
    with structlog.contextvars.bound_contextvars(request_id=request_id or None, run=run_id):
        if time.time() > deadline:
            log.info("run_expired", late_s=round(time.time() - deadline, 3))
            return
        answer: dict[str, Any] = {"run": run_id}
        try:
            if draft is not None:
                result = await authoring.grade_draft(ctx, draft=draft, source=source)
            else:
                async with ctx.database.session() as session:
                    result = await service.run_examples(
                        ctx, session, slug=slug, source=source, dialect=dialect
                    )
            answer["grade"] = grade_json(result)
        except VivaError as exc:
            answer.update(error=exc.detail, status=exc.status)
        except Exception as exc:  # the API gets a 503 with the usual line, the log the cause
            log.error("run_failed", error=repr(exc))
            answer.update(error=GRADING_FAILED, status=503)
        # Kept as well as published: the asking process may be between two subscriptions.
        await answer_with(
            reply,
            json.dumps(answer),
            key=run_answer_key(reply, run_id),
            seconds=int(deadline - time.time()) + ANSWER_KEPT_SECONDS,
        )


async def grade(
    submission_id: int,
    request_id: str = "",
    context: Annotated[Context, TaskiqDepends()] = None,  # type: ignore[assignment]
) -> None:
    """The task: grade one submission (the one entry point, `claims.grade_submission`),
    then tell the API processes it is done. A submission another live process holds is
    handed back unacknowledged, so it comes again if that process dies."""
    ctx: service.GradingContext = context.state.grading
    notify: Callable[[int], Awaitable[None]] = context.state.notify
    metrics: Metrics = context.state.metrics
    with structlog.contextvars.bound_contextvars(
        request_id=request_id or None, submission=submission_id
    ):
        started = time.perf_counter()
        result: Grade | None = None

        async def run() -> str | None:
            nonlocal result
            result = await claims.grade_submission(ctx, submission_id=submission_id)
            return None if result is None else result.verdict.value

        await metrics.grading(run)
        if result is None:
            async with ctx.database.session() as session:
                row = await service.get_submission(session, submission_id=submission_id)
                status, until = row.status, row.lease_expires_at
            if status != SubmissionStatus.DONE:
                broker = context.broker
                assert isinstance(broker, StreamBroker)
                broker.release(context.message.task_id, retry_in=seconds_until(until) + 1)
                log.info("submission_held_elsewhere", status=str(status))
            return
        log.info(
            "submission_graded",
            verdict=result.verdict.value,
            seconds=round(time.perf_counter() - started, 3),
        )
    await notify(submission_id)


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
        error = _RUN_ERRORS.get(int(data.get("status", 503)), ServiceUnavailable)
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
        event = self._done.get(submission_id)
        check_first = event is None  # its message may have come already
        event = event or self._done.setdefault(submission_id, asyncio.Event())
        deadline = time.monotonic() + seconds
        try:
            while True:
                if check_first and await self._is_done(submission_id):
                    return True
                check_first = True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(0.5, left))
                    return True
        finally:
            self._done.pop(submission_id, None)

    async def wait_graded(self, submission_id: int, seconds: float) -> Submission | None:
        """The submission once done (None if not within `seconds`), read back: a worker
        stored it."""
        if not await self.wait(submission_id, seconds):
            return None
        return await read_back(self.ctx, submission_id)

    async def _is_done(self, submission_id: int) -> bool:
        async with self.database.session() as session:
            submission = await service.get_submission(session, submission_id=submission_id)
            return submission.status == SubmissionStatus.DONE

"""Grading in server mode: submissions travel to `viva worker` processes on a Redis Stream.

The broker is taskiq-redis's `RedisStreamBroker` (one consumer group, every worker a
consumer): a job is acknowledged only after it was graded, so the job of a worker that
dies stays pending and another worker claims it once it has been idle `redeliver_after`
seconds (XAUTOCLAIM). Delivery is at least once; the submission row makes the effect
once (a submission already done is never graded again). The README's "Running as a
server" section has the guarantees in full.

The API's side, `BrokerQueue` (`enqueue`, `wait`, `run`), is in `viva.grading.broker_queue`;
this module holds the brokers, the two tasks a worker runs (`grade`, and `run`: a Run of the
visible examples, nothing stored, on a stream of its own, answered on the asking process's
channel and kept in a key for a while) and their wire formats. The proof of an authored
challenge (its reference and starter on all its tests) is a Run with a draft.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import structlog
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from taskiq import Context, TaskiqDepends

from viva.errors import NotFound, SourceRejected, VivaError
from viva.grading import authoring, claims, service
from viva.grading.broker import CONSUMER_GROUP, StreamBroker, seconds_until
from viva.grading.grader import GRADING_FAILED
from viva.grading.judge.outcome import Grade, TestResult, Verdict
from viva.grading.models import SubmissionStatus
from viva.infra.logging import log
from viva.infra.metrics import Metrics
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
RUN_ERRORS: dict[int, type[VivaError]] = {404: NotFound, 422: SourceRejected}


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

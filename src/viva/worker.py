"""`viva worker`: a grading worker process for server mode (jobs from the Redis Stream).

Each worker runs `--slots` gradings at once (one sandbox slot each), and beside them the
Runs (visible examples) the API processes send on a stream of their own. On SIGTERM it stops
taking jobs and finishes the ones it holds (for up to VIVA_WORKER_DRAIN_SECONDS); a job it
could not finish stays unacknowledged and another worker takes it over.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from typing import Annotated

import typer
from prometheus_client import start_http_server
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from viva.db import Database
from viva.events import EventBus
from viva.grading import claims
from viva.grading.broker import StreamBroker
from viva.grading.catalogue import Catalogue
from viva.grading.grader import process_uid_base, sandbox_unavailable
from viva.grading.sandbox.host import SandboxUnavailable
from viva.grading.service import GradingContext
from viva.grading.tasks import build_broker, build_run_broker, graded_channel
from viva.infra.logging import configure_logging, log
from viva.infra.metrics import Metrics
from viva.infra.redis import OUTAGE, RedisClient
from viva.judge0 import jobs as judge0_jobs
from viva.practice import subscribers as practice_subscribers
from viva.practice.queue_cache import QueueCache
from viva.rooms import subscribers as room_subscribers
from viva.rooms.notify import Notifier
from viva.settings import Settings


async def _start_broker(broker: StreamBroker) -> None:
    """Declare the consumer group, waiting for Redis if it is not there yet."""
    warned = False
    while True:
        try:
            await broker.startup()
            return
        except OUTAGE as exc:
            if not warned:
                log.warning("worker_waiting_for_redis", error=str(exc))
                warned = True
            await asyncio.sleep(1)


async def run_worker(settings: Settings, *, slots: int | None = None) -> None:
    if slots is not None:
        settings = settings.model_copy(update={"sandbox_slots": slots})
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    if not settings.redis_url:
        raise SystemExit("viva worker needs VIVA_REDIS_URL (the grading stream)")
    if settings.sandbox != "none":  # else it would store Internal Error for all it took
        unavailable = sandbox_unavailable()
        if not unavailable:
            try:  # its uid range now, so that none to be had is a refusal to start too
                await asyncio.to_thread(process_uid_base, settings)
            except SandboxUnavailable as exc:
                unavailable = str(exc)
        if unavailable:
            raise SystemExit(f"viva worker cannot grade on this host: {unavailable}")
    database = Database(settings.effective_database_url)
    redis = RedisClient(settings.redis_url)
    events = EventBus()
    # A verdict moves a review card: the API processes drop that user's cached queue when
    # told through Redis (this process keeps no queue of its own).
    queues = QueueCache(redis=redis, prefix=settings.cache_prefix)
    practice_subscribers.subscribe(events, fuzz=settings.review_fuzzing, queues=queues)
    # A verdict graded here reaches its author's socket on whichever API process holds it:
    # the notice goes out through Redis (this process holds no sockets).
    room_subscribers.subscribe(
        events, Notifier(redis=redis, prefix=settings.cache_prefix, publish_only=True)
    )
    grading = GradingContext.build(
        settings=settings, database=database, catalogue=Catalogue(), events=events
    )
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    broker = build_broker(settings, consumer=consumer)
    broker.is_worker_process = True
    broker.state.grading = grading
    broker.state.metrics = metrics = Metrics(multiproc_dir=settings.metrics_multiproc_dir)
    runs = build_run_broker(settings, consumer=consumer)
    runs.is_worker_process = True
    runs.state.grading = grading
    runs.state.publish_kept = redis.publish_kept
    judge0_jobs.install(grading, metrics=metrics)  # Judge0 API runs come on the same stream
    if settings.worker_metrics_port is not None:
        start_http_server(settings.worker_metrics_port, registry=metrics.registry)
    channel = graded_channel(settings)

    async def notify(submission_id: int) -> None:
        await redis.publish(channel, str(submission_id))

    broker.state.notify = notify
    finish = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, finish.set)
    receivers = [
        Receiver(
            stream,
            max_async_tasks=settings.sandbox_slots,
            max_prefetch=0,
            run_startup=False,
            ack_type=AcknowledgeType.WHEN_EXECUTED,
            wait_tasks_timeout=settings.worker_drain_seconds,
            propagate_exceptions=False,
        )
        for stream in (broker, runs)
    ]
    try:
        await _start_broker(broker)
        await _start_broker(runs)
        log.info("worker_started", consumer=consumer, slots=settings.sandbox_slots)
        await asyncio.gather(*(receiver.listen(finish) for receiver in receivers))
        # Gradings the drain time did not let finish are handed back (queued again); their
        # jobs are redelivered, unacknowledged, to another worker.
        released = await claims.release_claims(grading)
        log.info("worker_stopped", consumer=consumer, handed_back=released)
    finally:
        for stream in (broker, runs):
            with contextlib.suppress(Exception):
                await stream.shutdown()
        await grading.close()
        await queues.close()
        await database.dispose()
        await redis.close()


def main(
    slots: Annotated[
        int | None, typer.Option(min=1, max=64, help="Gradings at once (VIVA_SANDBOX_SLOTS)")
    ] = None,
) -> None:
    """Grade submissions from the Redis Stream (server mode; needs VIVA_REDIS_URL)."""
    asyncio.run(run_worker(Settings(), slots=slots))


if __name__ == "__main__":
    typer.run(main)

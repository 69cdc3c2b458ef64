"""The grading stream (`<prefix>:grading`) is capped at about VIVA_GRADING_STREAM_MAXLEN
entries (XADD MAXLEN ~), with real API and worker processes on PostgreSQL and a
redis-server of the test's own.

Checked: 150 submissions at a cap of 20 are each graded once and all end done, while the
stream stays bounded (without the cap it keeps every entry); and a worker SIGKILLed
mid-grade whose pending entry the cap then trims loses nothing: the API's sweep sends its
submission again once the dead worker's lease has expired, and it is graded once more
(attempts 2, one review log).
"""

from __future__ import annotations

import json
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from tests.infra.cluster import LEASE_SECONDS, REDELIVER_SECONDS, SOLUTION, Cluster

pytestmark = pytest.mark.postgres

CAP = 20
STREAM = "workers:grading"  # the cluster's VIVA_CACHE_PREFIX
GROUP = "viva-workers"
# Approximate trimming (`~`) drops whole nodes of the stream's radix tree, each at most
# `stream-node-max-entries` (100 by default) long, so a stream capped at CAP may hold up to
# CAP + 100 entries; never all of them.
BOUND = CAP + 100


def _capped_api(cluster: Cluster) -> None:
    """Replace the fixture's API process by one that sends with the cap (the sender trims)."""
    cluster.procs[0].terminate()
    cluster.procs[0].wait(timeout=30)
    cluster.api_urls.clear()
    cluster.start_api(VIVA_GRADING_STREAM_MAXLEN=str(CAP))


@contextmanager
def longest_stream(client: redis.Redis) -> Iterator[list[int]]:
    """The stream's length, sampled every 50 ms while the block runs; yields the samples."""
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(int(client.xlen(STREAM)))
            stop.wait(0.05)

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()
        samples.append(int(client.xlen(STREAM)))


def test_a_capped_stream_stays_bounded_and_grades_every_submission_once(
    cluster: Cluster,
) -> None:
    assert cluster.redis is not None
    _capped_api(cluster)
    cluster.start_worker(slots=2)
    client = redis.Redis.from_url(cluster.redis.url)
    with longest_stream(client) as lengths:
        ids = cluster.submit_all(SOLUTION, cluster.new_candidates(150))
        # Jobs the cap trimmed before a worker read them are sent again by the API's sweep
        # (still queued a redelivery time after they were first seen).
        rows = cluster.wait_done(ids, LEASE_SECONDS + REDELIVER_SECONDS + 240)
    assert [r.verdict for r in rows] == ["Accepted"] * 150
    assert [r.attempts for r in rows] == [1] * 150
    assert cluster.review_logs_by_user() == {r.user_id: 1 for r in rows}
    assert max(lengths) <= BOUND, max(lengths)  # without the cap: 150 and more


def test_a_killed_workers_pending_entry_trimmed_by_the_cap_is_graded_once_again(
    cluster: Cluster,
) -> None:
    assert cluster.redis is not None
    _capped_api(cluster)
    client = redis.Redis.from_url(cluster.redis.url)
    doomed = cluster.start_worker(slots=1)
    submission = cluster.submit(SOLUTION)
    cluster.wait_status(submission, "running", 60)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    consumer = f"{socket.gethostname()}-{doomed.pid}"
    (held,) = client.xpending_range(STREAM, GROUP, "-", "+", 10, consumername=consumer)
    entry = held["message_id"]

    # With no worker alive, enough new jobs for the cap to trim the oldest node of the
    # stream, the dead worker's pending entry with it.
    others = cluster.submit_all(SOLUTION, cluster.new_candidates(BOUND + 10))
    assert client.xrange(STREAM, entry, entry) == []  # trimmed...
    assert client.xpending_range(STREAM, GROUP, entry, entry, 1)  # ...while still pending
    assert client.xlen(STREAM) <= BOUND

    cluster.start_worker(slots=2)
    rows = cluster.wait_done([submission, *others], LEASE_SECONDS + REDELIVER_SECONDS + 240)
    assert [r.verdict for r in rows] == ["Accepted"] * len(rows)
    assert {r.id: r.attempts for r in rows} == {r.id: 2 if r.id == submission else 1 for r in rows}
    assert cluster.review_logs_by_user() == {r.user_id: 1 for r in rows}
    # Brought back by the API's sweep: the stream had lost the job.
    assert submission in resent(cluster)


def resent(cluster: Cluster) -> set[int]:
    """Submissions the API processes' sweeps sent again (`grading_resent` log lines)."""
    found = set()
    for path in cluster.tmp.glob("api-*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if '"grading_resent"' in line:
                found.add(int(json.loads(line)["submission"]))
    return found

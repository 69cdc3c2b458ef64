"""A Run's answer survives the asking API process's subscription being down: the worker
keeps it in a key beside publishing it, and the API takes it from there once it has
subscribed again (or on its next look, once a second). Real API and worker processes on
PostgreSQL and a redis-server of the test's own, which the test restarts while a worker is
running a Run: the worker answers on the fresh Redis before the API, whose subscription
broke with the restart, has subscribed again (it retries after its breaker's 2 s)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from tests.infra.cluster import SOLUTION, STARTUP_SECONDS, Cluster

pytestmark = pytest.mark.postgres

RUNS = "workers:grading:runs"  # the cluster's VIVA_CACHE_PREFIX
GROUP = b"viva-workers"
# About a second per Run (each of the 3 visible examples loads the module afresh), inside
# the 5 s wall limit: long enough to restart Redis while the worker runs it.
SLOW_RUN = "import time\n\ntime.sleep(0.3)\n\n" + SOLUTION


def _run(cluster: Cluster, source: str) -> httpx.Response:
    return httpx.post(
        f"{cluster.api_url}/api/v1/challenges/palindrome/run",
        json={"source": source},
        headers=cluster.headers,
        timeout=STARTUP_SECONDS,
    )


def _running(client: redis.Redis, runs: int) -> bool:
    """A worker has read the `runs`-th Run and not yet acknowledged it (it acknowledges a
    Run once its answer has gone out)."""
    try:
        groups = client.xinfo_groups(RUNS)
    except redis.ResponseError:  # no stream yet
        return False
    group = next((g for g in groups if g["name"] == GROUP), None)
    return group is not None and group["entries-read"] == runs and group["pending"] == 1


def test_a_run_answered_while_the_apis_subscription_is_down_still_reaches_it(
    cluster: Cluster,
) -> None:
    assert cluster.redis is not None
    client = redis.Redis.from_url(cluster.redis.url)
    cluster.start_worker(slots=1)
    warm = _run(cluster, SOLUTION)  # the worker's sandbox started, its first Run answered
    assert warm.status_code == 200, warm.text

    with ThreadPoolExecutor(1) as pool:
        ran = pool.submit(_run, cluster, SLOW_RUN)
        deadline = time.monotonic() + 60
        while not _running(client, 2):
            assert time.monotonic() < deadline and not ran.done(), "the Run never started"
            time.sleep(0.01)
        # Between the Run's enqueue and its answer: the API's connections are cut, and
        # Redis is back (empty: no persistence) before the worker answers.
        cluster.redis.stop()
        cluster.redis.start()
        response = ran.result(timeout=120)
    assert response.status_code == 200, response.text  # before: 503 after the 30 s wait
    grade = response.json()
    assert grade["verdict"] == "Accepted" and grade["passed"] == grade["total"] > 0
    api_log = next(cluster.tmp.glob("api-*.log")).read_text()
    assert '"run_unanswered"' not in api_log

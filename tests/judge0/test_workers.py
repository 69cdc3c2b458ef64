"""Judge0 jobs in server mode, with real processes: `viva serve` only stores and enqueues,
`viva worker` processes run the programs from the Redis Stream (a redis-server of the test's
own), on PostgreSQL; the same deployment as tests/infra/test_workers.py.

Checked: a Judge0 submission is run by a worker (its grading row claimed by the worker) and
its callback comes from there; a worker SIGKILLed mid-run loses nothing: its job is taken
over once the lease has passed and finished once (attempts = 2, one `submission_graded`,
one callback).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import run_async
from tests.infra.cluster import LEASE_SECONDS, REDELIVER_SECONDS, Cluster, server_mode
from tests.judge0.conftest import CALLBACK_SECRET, Receiver, Server
from viva.db import Database
from viva.judge0 import repository

pytestmark = pytest.mark.postgres

JUDGE0 = {"callback_hosts": ["127.0.0.1"], "callback_secret": CALLBACK_SECRET}
# Long enough to be killed mid-run on an idle host; a loaded one may kill it while its
# worker's sandbox still starts (the row is already `running`, claimed): the same window.
SLEEPER = "import sys, time\ntime.sleep(3)\nprint(sys.stdin.read()[::-1])\n"


class Judge0Cluster(Cluster):
    """tests/infra's deployment, every process with callbacks to loopback allowed."""

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(
            VIVA_JUDGE0=json.dumps(JUDGE0), VIVA_RATE_LIMIT_SUBMISSIONS="10000/minute", **extra
        )


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Judge0Cluster]:
    with server_mode(tmp_path, name="judge0_workers", kind=Judge0Cluster) as deployed:
        yield deployed


def _judge0(cluster: Cluster) -> tuple[str, dict[str, str]]:
    server = Server(url=f"{cluster.api_url}/judge0", db_url=cluster.settings.effective_database_url)
    return server.url, {"X-Auth-Token": server.key()}


def _grading_row_id(cluster: Cluster, token: str) -> int:
    async def find() -> int:
        database = Database(cluster.settings.effective_database_url)
        try:
            async with database.session() as session:
                row = await repository.by_token(session, token=token)
                assert row is not None
                return row.submission_id
        finally:
            await database.dispose()

    return run_async(find())


def _signed(request: dict[str, Any]) -> bool:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    body = request["body"]
    digest = hmac.new(
        CALLBACK_SECRET.encode(), headers["x-viva-timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return bool(headers["x-viva-signature"] == f"sha256={digest}")


def test_a_judge0_submission_is_run_by_a_viva_worker_through_redis(
    cluster: Judge0Cluster, receiver: Receiver
) -> None:
    worker = cluster.start_worker(slots=1)
    url, headers = _judge0(cluster)
    done = httpx.post(
        f"{url}/submissions",
        params={"wait": "true", "fields": "token,status_id,stdout"},
        headers=headers,
        json={
            "source_code": "print(input()[::-1])",
            "language_id": 71,
            "stdin": "abc",
            "expected_output": "cba",
            "callback_url": f"http://127.0.0.1:{receiver.port}/hook",
        },
        timeout=120,
    )
    assert done.status_code == 201, done.text
    assert {k: v for k, v in done.json().items() if k != "token"} == {
        "status_id": 3,
        "stdout": "cba\n",
    }
    (row,) = cluster.rows([_grading_row_id(cluster, done.json()["token"])])
    assert (row.status, row.verdict, row.attempts) == ("done", "Accepted", 1)
    assert row.claimed_by is not None and row.claimed_by.startswith(f"{worker.pid}-")
    assert receiver.arrived.wait(60), "no callback arrived"
    [request] = receiver.requests
    assert json.loads(request["body"])["token"] == done.json()["token"] and _signed(request)
    assert cluster.graded_lines() == {"worker-1.log": 1}


def test_a_judge0_job_of_a_sigkilled_worker_is_finished_once(
    cluster: Judge0Cluster, receiver: Receiver
) -> None:
    doomed = cluster.start_worker(slots=1)
    url, headers = _judge0(cluster)
    created = httpx.post(
        f"{url}/submissions",
        headers=headers,
        json={
            "source_code": SLEEPER,
            "language_id": 71,
            "stdin": "olleh",
            "wall_time_limit": 15,
            "callback_url": f"http://127.0.0.1:{receiver.port}/hook",
        },
        timeout=30,
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    job = _grading_row_id(cluster, token)
    deadline = time.monotonic() + 180  # a cold worker's first run starts its sandbox first
    while job not in cluster.claims_of(doomed.pid):
        assert time.monotonic() < deadline, cluster.rows([job])
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    survivor = cluster.start_worker(slots=1)
    # The dead worker's lease runs out, then the API's sweep or the stream's redelivery
    # hands the job to the survivor, whose conditional claim takes it over.
    (row,) = cluster.wait_done([job], LEASE_SECONDS + REDELIVER_SECONDS + 120)
    assert (row.verdict, row.attempts) == ("Accepted", 2)  # the killed run counts, once
    assert row.claimed_by is not None and row.claimed_by.startswith(f"{survivor.pid}-")
    shown = httpx.get(
        f"{url}/submissions/{token}", params={"fields": "status_id,stdout"}, headers=headers
    ).json()
    assert shown == {"status_id": 3, "stdout": "hello\n"}
    assert receiver.arrived.wait(60), "no callback arrived"
    assert cluster.graded_lines() == {"worker-1.log": 0, "worker-2.log": 1}
    [request] = receiver.requests  # from the survivor; the killed run never finished
    assert json.loads(request["body"])["token"] == token and _signed(request)

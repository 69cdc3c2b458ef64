"""A PostgreSQL restart under a running `viva serve` (a cluster of the test's own, never the
machine's shared server): while it is down `/readyz` answers 503, `/healthz` 200, and routes
that need the database answer a clear 503 problem at once instead of hanging or a bare 500;
once it is back `/readyz` is 200 again and the submissions made before the restart are
graded, none lost; the same in server mode, with an API and a worker process on Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import _free_port, _settings, make_user, run_async, uid_base
from tests.infra.cluster import LEASE_SECONDS as CLUSTER_LEASE_SECONDS
from tests.infra.cluster import SECRET as CLUSTER_SECRET
from tests.infra.cluster import SLOW, Cluster, print_tracebacks
from tests.servers import PostgresServer, RedisServer
from viva.app import prepare_database
from viva.db import Database

pytestmark = pytest.mark.postgres

SOLUTION = (
    Path(__file__).parents[2] / "src/viva/content/challenges/palindrome/solution.py"
).read_text()
SECRET = "pg-restart-secret-" + "k" * 32
LEASE_SECONDS = 8  # a grading the outage interrupted is taken over this long after


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


def _create_database(server: PostgresServer) -> str:
    async def create() -> None:
        conn = await asyncpg.connect(server.url(), timeout=10)
        try:
            await conn.execute('CREATE DATABASE "viva"')
        finally:
            await conn.close()

    run_async(create())
    return server.url("viva", driver="postgresql+asyncpg")


async def _statuses(server: PostgresServer, ids: list[int]) -> list[str]:
    conn = await asyncpg.connect(server.url("viva"), timeout=10)
    try:
        rows = await conn.fetch("SELECT status FROM submissions WHERE id = ANY($1)", ids)
        return [str(r["status"]) for r in rows]
    finally:
        await conn.close()


def _wait_status(url: str, status: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    seen: object = None
    while time.monotonic() < deadline:
        try:
            seen = httpx.get(url, timeout=10).status_code
        except httpx.HTTPError as exc:
            seen = exc
        if seen == status:
            return
        time.sleep(0.2)
    pytest.fail(f"{url} never answered {status} in {seconds} s (last: {seen!r})")


def test_a_postgres_restart_makes_the_api_unready_then_ready_and_loses_no_submission(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    db_url = _create_database(postgres)
    settings = _settings(db_url, tmp_path, secret_key=SECRET)
    run_async(prepare_database(settings, migrate=True))

    async def candidate() -> dict[str, str]:
        database = Database(db_url)
        try:
            return await make_user(database, settings, role="candidate")
        finally:
            await database.dispose()

    headers = run_async(candidate())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(
        VIVA_DATABASE_URL=db_url,
        VIVA_SECRET_KEY=SECRET,
        VIVA_DATA_DIR=str(tmp_path),
        VIVA_LOG_LEVEL="info",
        VIVA_LOG_FORMAT="json",
        VIVA_BUILTIN_CONTENT="false",
        VIVA_GRADING_LEASE_SECONDS=str(LEASE_SECONDS),
        VIVA_SANDBOX_UID_BASE=str(uid_base(300)),
    )
    log = tmp_path / "api.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "viva.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{port}"
    try:
        _wait_status(f"{api}/readyz", 200, 180)  # a start, on a loaded host
        submit = f"{api}/api/v1/challenges/palindrome/submissions"
        before: list[int] = []
        for _ in range(4):
            response = httpx.post(submit, json={"source": SOLUTION}, headers=headers, timeout=30)
            assert response.status_code in (201, 202), response.text
            before.append(response.json()["id"])

        # The first grading starts a cold sandbox (seconds): the restart catches them waiting.
        assert run_async(_statuses(postgres, before)) != ["done"] * 4
        postgres.stop()
        started = time.monotonic()
        ready = httpx.get(f"{api}/readyz", timeout=15)
        assert ready.status_code == 503 and ready.json()["database"] is False
        assert httpx.get(f"{api}/healthz", timeout=15).status_code == 200
        for response in (
            httpx.get(f"{api}/api/v1/submissions/{before[0]}", headers=headers, timeout=15),
            httpx.post(submit, json={"source": SOLUTION}, headers=headers, timeout=15),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["title"] == "Database unavailable"
            assert "Retry-After" in response.headers
        assert time.monotonic() - started < 30  # answered, not hung on a dead connection
        assert '"database_unavailable"' in log.read_text()

        postgres.start()
        _wait_status(f"{api}/readyz", 200, 30)
        deadline = time.monotonic() + 120 + LEASE_SECONDS
        rows: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            rows = [
                httpx.get(f"{api}/api/v1/submissions/{i}", headers=headers, timeout=15).json()
                for i in before
            ]
            if all(r.get("status") == "done" for r in rows):
                break
            time.sleep(0.5)
        assert [r.get("verdict") for r in rows] == ["Accepted"] * 4, rows
        after = httpx.post(
            f"{submit}?wait=true", json={"source": SOLUTION}, headers=headers, timeout=60
        )
        assert after.status_code == 201 and after.json()["verdict"] == "Accepted", after.text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(text[-6000:])


def test_a_postgres_restart_under_api_and_worker_processes_loses_no_submission(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    """Server mode: the API only enqueues, a `viva worker` grades. Jobs the worker took while
    the database was down fail; the worker's claims lapse, and the API's sweep sends again
    what no live process holds, so each submission is graded, its review card moved once."""
    db_url = _create_database(postgres)
    settings = _settings(db_url, tmp_path, secret_key=CLUSTER_SECRET)
    run_async(prepare_database(settings, migrate=True))
    redis = RedisServer(tmp_path)
    redis.start()
    cluster = Cluster(settings=settings, redis=redis, tmp=tmp_path)
    try:
        candidates = cluster.new_candidates(8)  # one review card each
        cluster.start_api()
        cluster.start_worker()
        api = cluster.api_url
        # A backlog (about 0.8 s a grading, 2 slots) that the outage catches unfinished.
        ids = cluster.submit_all(SLOW, candidates[:6])
        assert run_async(_statuses(postgres, ids)) != ["done"] * 6
        postgres.stop()
        _wait_status(f"{api}/readyz", 503, 30)
        assert httpx.get(f"{api}/healthz", timeout=15).status_code == 200
        time.sleep(2)  # the worker meets the outage with jobs in hand
        postgres.start()
        _wait_status(f"{api}/readyz", 200, 60)
        ids += cluster.submit_all(SOLUTION, candidates[6:])
        rows = cluster.wait_done(ids, 120 + 4 * CLUSTER_LEASE_SECONDS)
        assert [r.verdict for r in rows] == ["Accepted"] * 8, [r.message for r in rows]
        assert cluster.review_logs_by_user() == {r.user_id: 1 for r in rows}
    finally:
        cluster.stop()
        redis.stop()
        print_tracebacks(tmp_path)

"""Server mode with real processes: `viva serve` only enqueues, `viva worker` processes grade
from a Redis Stream, on a PostgreSQL database and a redis-server of the test's own.

Checked: every submission is graded once (attempts = 1, one review log per submission); a
worker SIGKILLed mid-grade loses nothing (its job is redelivered after the idle timeout and
graded once: attempts = 2, one review log); SIGTERM lets a worker finish the grading it
holds; submissions made while Redis is down are stored and graded after it returns.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.conftest import (
    PG_ADMIN_DSN,
    _free_port,
    _recreate_database,
    _settings,
    make_user,
    run_async,
    uid_base,
    worker_id,
)
from tests.servers import RedisServer
from viva.app import prepare_database
from viva.db import Database
from viva.grading.models import Submission
from viva.grading.service import LEASE
from viva.practice.models import ReviewLog
from viva.settings import Settings

pytestmark = pytest.mark.postgres

SOLUTION = (
    Path(__file__).parents[2] / "src/viva/content/challenges/palindrome/solution.py"
).read_text()
# A fresh worker's first grading starts its sandbox first (a second or more, with the row
# already `running`): the signal lands in that window. A sleeping solution would be slower
# but risks the 5 s wall limit on a loaded host.
FIRST = SOLUTION
REDELIVER_SECONDS = 10  # above the longest event-loop stall seen on a loaded 2-core host
SECRET = "worker-test-secret-" + "k" * 32


@dataclass
class Cluster:
    settings: Settings
    redis: RedisServer
    tmp: Path
    api_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _next_uid: int = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
        env.update(
            VIVA_DATABASE_URL=self.settings.effective_database_url,
            VIVA_REDIS_URL=self.redis.url,
            VIVA_SECRET_KEY=SECRET,
            VIVA_DATA_DIR=str(self.tmp),
            VIVA_LOG_LEVEL="info",
            VIVA_LOG_FORMAT="json",
            VIVA_CACHE_PREFIX="workers",
            VIVA_BUILTIN_CONTENT="false",
            VIVA_GRADING_REDELIVER_SECONDS=str(REDELIVER_SECONDS),
            VIVA_REVIEW_FUZZING="false",
        )
        env.update(extra)
        return env

    def _uids(self) -> str:
        self._next_uid += 1
        return str(uid_base(100 + 20 * self._next_uid))

    def start_api(self) -> None:
        port = _free_port()
        log = (self.tmp / f"api-{port}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "viva.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=self.env(VIVA_SANDBOX_UID_BASE=self._uids()),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        self.api_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (self.tmp / f"api-{port}.log").read_text()
            try:
                if httpx.get(f"{self.api_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("viva serve did not become ready")

    def start_worker(self, slots: int = 2) -> subprocess.Popen[bytes]:
        index = len(self.procs)
        log = (self.tmp / f"worker-{index}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "viva.cli", "worker", "--slots", str(slots)],
            env=self.env(VIVA_SANDBOX_UID_BASE=self._uids()),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        deadline = time.monotonic() + 90  # imports and the sandbox: slow on a loaded host
        path = self.tmp / f"worker-{index}.log"
        while b"worker_started" not in path.read_bytes():
            assert proc.poll() is None, path.read_text()
            assert time.monotonic() < deadline, path.read_text()
            time.sleep(0.1)
        return proc

    def new_candidate(self) -> dict[str, str]:
        async def user() -> dict[str, str]:
            database = Database(self.settings.effective_database_url)
            try:
                return await make_user(database, self.settings, role="candidate")
            finally:
                await database.dispose()

        return run_async(user())

    def submit(self, source: str, headers: dict[str, str] | None = None) -> int:
        response = httpx.post(
            f"{self.api_url}/api/v1/challenges/palindrome/submissions",
            json={"source": source},
            headers=headers or self.headers,
            timeout=10,
        )
        assert response.status_code in (201, 202), response.text
        return int(response.json()["id"])

    def rows(self, ids: list[int]) -> list[Submission]:
        async def load() -> list[Submission]:
            database = Database(self.settings.effective_database_url)
            try:
                async with database.session() as session:
                    found = await session.scalars(
                        select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)
                    )
                    return list(found.all())
            finally:
                await database.dispose()

        return run_async(load())

    def review_logs(self) -> int:
        async def count() -> int:
            database = Database(self.settings.effective_database_url)
            try:
                async with database.session() as session:
                    n = await session.scalar(
                        select(func.count())
                        .select_from(ReviewLog)
                        .where(ReviewLog.source == "challenge")
                    )
                    return int(n or 0)
            finally:
                await database.dispose()

        return run_async(count())

    def wait_done(self, ids: list[int], seconds: float) -> list[Submission]:
        deadline = time.monotonic() + seconds
        while True:
            rows = self.rows(ids)
            if all(r.status == "done" for r in rows):
                return rows
            if time.monotonic() > deadline:
                pytest.fail(f"not graded in {seconds} s: {[(r.id, r.status) for r in rows]}")
            time.sleep(0.2)

    def wait_status(self, submission_id: int, status: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.rows([submission_id])[0].status != status:
            assert time.monotonic() < deadline, f"submission {submission_id} never {status}"
            time.sleep(0.05)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    name = f"viva_test_{worker_id()}_workers"
    try:
        run_async(_recreate_database(name))
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    settings = _settings(url, tmp_path, secret_key=SECRET)
    run_async(prepare_database(settings, migrate=True))
    redis = RedisServer(tmp_path)
    redis.start()
    cluster = Cluster(settings=settings, redis=redis, tmp=tmp_path)

    cluster.headers = cluster.new_candidate()
    try:
        cluster.start_api()
        yield cluster
    finally:
        cluster.stop()
        redis.stop()
        for log in sorted(tmp_path.glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                print(f"--- {log.name}\n{text[-4000:]}")


def test_two_workers_grade_every_submission_exactly_once(cluster: Cluster) -> None:
    cluster.start_worker()
    cluster.start_worker()
    # Twelve candidates, as in an assessment (each gets one review log).
    ids = [cluster.submit(SOLUTION, cluster.new_candidate()) for _ in range(12)]
    rows = cluster.wait_done(ids, 120)
    assert [r.verdict for r in rows] == ["Accepted"] * 12
    assert [r.attempts for r in rows] == [1] * 12
    assert cluster.review_logs() == 12
    logs = "".join(p.read_text() for p in cluster.tmp.glob("worker-*.log"))
    assert logs.count('"submission_graded"') == 12
    graded_by = {
        w.name: w.read_text().count('"submission_graded"') for w in cluster.tmp.glob("worker-*.log")
    }
    assert all(n > 0 for n in graded_by.values()), graded_by  # both took work


def test_a_worker_killed_mid_grade_has_its_job_redelivered_and_graded_once(
    cluster: Cluster,
) -> None:
    doomed = cluster.start_worker(slots=1)
    submission = cluster.submit(FIRST)
    cluster.wait_status(submission, "running", 20)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    cluster.start_worker(slots=1)
    # Redelivered every REDELIVER_SECONDS, the job is handed back while the dead worker's
    # lease runs, and claimed once it has expired.
    (row,) = cluster.wait_done([submission], LEASE.total_seconds() + REDELIVER_SECONDS + 60)
    assert row.verdict == "Accepted"
    assert row.attempts == 2  # the killed attempt counts; the verdict was stored once
    assert cluster.review_logs() == 1


def test_sigterm_lets_a_worker_finish_the_grading_it_holds(cluster: Cluster) -> None:
    worker = cluster.start_worker(slots=1)
    submission = cluster.submit(FIRST)
    cluster.wait_status(submission, "running", 20)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    (row,) = cluster.rows([submission])
    assert row.status == "done" and row.verdict == "Accepted" and row.attempts == 1
    assert cluster.review_logs() == 1


def test_submissions_made_while_redis_is_down_are_graded_when_it_returns(
    cluster: Cluster,
) -> None:
    cluster.start_worker()
    cluster.redis.stop()
    assert httpx.get(f"{cluster.api_url}/healthz", timeout=5).status_code == 200
    assert httpx.get(f"{cluster.api_url}/api/v1/challenges", timeout=5).status_code == 200
    ids = [cluster.submit(SOLUTION, cluster.new_candidate()) for _ in range(3)]
    assert {r.status for r in cluster.rows(ids)} == {"queued"}
    cluster.redis.start()
    rows = cluster.wait_done(ids, 60)
    assert [r.verdict for r in rows] == ["Accepted"] * 3
    assert [r.attempts for r in rows] == [1] * 3
    api_log = next(cluster.tmp.glob("api-*.log")).read_text()
    assert api_log.count('"grading_deferred"') == 3

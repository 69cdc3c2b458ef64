"""A server-mode deployment on loopback for fault tests: `viva serve` processes that only
enqueue, `viva worker` processes that grade, a PostgreSQL database and a redis-server of the
test's own. The `cluster` fixture (conftest.py) builds one per test and tears it down; the
`embedded` fixture is the same without Redis (SQLite, `viva serve --workers N` grading
in-process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
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
from viva.practice.models import ReviewLog
from viva.settings import Settings

SOLUTION = (
    Path(__file__).parents[2] / "src/viva/content/challenges/palindrome/solution.py"
).read_text()
# About 0.8 s of sleep per grading (each of the palindrome's 19 tests loads the module
# afresh), well inside its 5 s wall limit: a backlog that stays queued while a test kills and
# restarts processes.
SLOW = "import time\n\ntime.sleep(0.04)\n\n" + SOLUTION
# Above the longest event-loop stall seen on a loaded 2-core host: a live worker renews its
# claim every quarter of the lease and its stream entries every third of the redelivery time.
REDELIVER_SECONDS = 10
LEASE_SECONDS = 10
SECRET = "worker-test-secret-" + "k" * 32
# A bound on a process's start (imports, migrations check, the sandbox), not a timing: over a
# minute was seen with the host's load average at 20 on 2 cores.
STARTUP_SECONDS = 180


@dataclass
class Cluster:
    settings: Settings
    redis: RedisServer | None
    tmp: Path
    api_urls: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _next_uid: int = 0

    @property
    def api_url(self) -> str:
        return self.api_urls[0]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
        env.update(
            VIVA_DATABASE_URL=self.settings.effective_database_url,
            VIVA_SECRET_KEY=SECRET,
            VIVA_DATA_DIR=str(self.tmp),
            VIVA_LOG_LEVEL="info",
            VIVA_LOG_FORMAT="json",
            VIVA_CACHE_PREFIX="workers",
            VIVA_BUILTIN_CONTENT="false",
            VIVA_GRADING_REDELIVER_SECONDS=str(REDELIVER_SECONDS),
            VIVA_GRADING_LEASE_SECONDS=str(LEASE_SECONDS),
            VIVA_REVIEW_FUZZING="false",
            PYTHONUNBUFFERED="1",  # a SIGKILLed process keeps the lines it wrote
        )
        if self.redis is not None:
            env["VIVA_REDIS_URL"] = self.redis.url
        env.update(extra)
        return env

    def _uids(self) -> str:
        self._next_uid += 1
        return str(uid_base(100 + 20 * self._next_uid))

    def start_api(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """`viva serve` on a free port (`args`: more options, such as `--workers 2`)."""
        port = _free_port()
        path = self.tmp / f"api-{port}.log"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "viva.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *args,
            ],
            env=self.env(**{"VIVA_SANDBOX_UID_BASE": self._uids(), **env}),
            stdout=path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert proc.poll() is None, path.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    self.api_urls.append(url)
                    return proc
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("viva serve did not become ready")

    def start_worker(self, slots: int = 2) -> subprocess.Popen[bytes]:
        index = len(self.procs)
        path = self.tmp / f"worker-{index}.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "viva.cli", "worker", "--slots", str(slots)],
            env=self.env(VIVA_SANDBOX_UID_BASE=self._uids()),
            stdout=path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        deadline = time.monotonic() + STARTUP_SECONDS
        while b"worker_started" not in path.read_bytes():
            assert proc.poll() is None, path.read_text()
            assert time.monotonic() < deadline, path.read_text()
            time.sleep(0.1)
        return proc

    def _database(self) -> Database:
        return Database(self.settings.effective_database_url)

    def new_candidate(self) -> dict[str, str]:
        return self.new_user("candidate")

    def new_user(self, role: str) -> dict[str, str]:
        """A user of `role` with a fresh access token; returns the Authorization header."""

        async def user() -> dict[str, str]:
            database = self._database()
            try:
                return await make_user(database, self.settings, role=role)
            finally:
                await database.dispose()

        return run_async(user())

    def new_candidates(self, n: int) -> list[dict[str, str]]:
        """n candidates made in one transaction (no password: a bearer token is enough)."""

        async def users() -> list[dict[str, str]]:
            database = self._database()
            try:
                async with database.session() as session:
                    made = [await factories.user(session, password=None) for _ in range(n)]
                key = self.settings.effective_secret_key
                return [factories.bearer(u, key=key) for u in made]
            finally:
                await database.dispose()

        return run_async(users())

    def submit(
        self, source: str, headers: dict[str, str] | None = None, api_url: str | None = None
    ) -> int:
        response = httpx.post(
            f"{api_url or self.api_url}/api/v1/challenges/palindrome/submissions",
            json={"source": source},
            headers=headers or self.headers,
            timeout=STARTUP_SECONDS,  # a process starting its sandbox answers late at load 30
        )
        assert response.status_code in (201, 202), response.text
        return int(response.json()["id"])

    def submit_all(self, source: str, candidates: list[dict[str, str]]) -> list[int]:
        """One submission per candidate, spread over every API process, 8 at a time."""
        jobs = list(zip(candidates, cycle(self.api_urls), strict=False))
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda job: self.submit(source, job[0], job[1]), jobs))

    def rows(self, ids: list[int]) -> list[Submission]:
        async def load() -> list[Submission]:
            database = self._database()
            try:
                async with database.session() as session:
                    found = await session.scalars(
                        select(Submission).where(Submission.id.in_(ids)).order_by(Submission.id)
                    )
                    return list(found.all())
            finally:
                await database.dispose()

        return run_async(load())

    def claims_of(self, pid: int) -> list[int]:
        """Submissions the process `pid` holds a running claim on (owners are `<pid>-<hex>`)."""

        async def load() -> list[int]:
            database = self._database()
            try:
                async with database.session() as session:
                    found = await session.scalars(
                        select(Submission.id).where(
                            Submission.status == "running",
                            Submission.claimed_by.startswith(f"{pid}-"),
                        )
                    )
                    return sorted(found.all())
            finally:
                await database.dispose()

        return run_async(load())

    def claim_owners(self) -> dict[int, int | None]:
        """Every submission and the pid of the process that claimed it last (None: never)."""

        async def load() -> dict[int, int | None]:
            database = self._database()
            try:
                async with database.session() as session:
                    found = await session.execute(select(Submission.id, Submission.claimed_by))
                    return {
                        int(i): int(owner.split("-")[0]) if owner else None
                        for i, owner in found.all()
                    }
            finally:
                await database.dispose()

        return run_async(load())

    def review_logs_by_user(self) -> dict[int, int]:
        """How many review logs the graded submissions wrote, per user."""

        async def count() -> dict[int, int]:
            database = self._database()
            try:
                async with database.session() as session:
                    found = await session.execute(
                        select(ReviewLog.user_id, func.count())
                        .where(ReviewLog.source == "challenge")
                        .group_by(ReviewLog.user_id)
                    )
                    return {int(user): int(n) for user, n in found.all()}
            finally:
                await database.dispose()

        return run_async(count())

    def review_logs(self) -> int:
        return sum(self.review_logs_by_user().values())

    def wait_done(self, ids: list[int], seconds: float) -> list[Submission]:
        deadline = time.monotonic() + seconds
        while True:
            rows = self.rows(ids)
            if all(r.status == "done" for r in rows):
                return rows
            if time.monotonic() > deadline:
                left = [(r.id, r.status, r.claimed_by) for r in rows if r.status != "done"]
                pytest.fail(f"not graded in {seconds} s: {left}")
            time.sleep(0.2)

    def wait_status(self, submission_id: int, status: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.rows([submission_id])[0].status != status:
            assert time.monotonic() < deadline, f"submission {submission_id} never {status}"
            time.sleep(0.05)

    def kill_holding(
        self, pids: Sequence[int], ready: Callable[[], bool], seconds: float
    ) -> tuple[int, list[int]]:
        """SIGKILL one of the worker processes `pids` while it holds a claim, once `ready()`:
        its pid and its claims.

        Seeing a claim and then killing would race the claim's end, so the processes are
        stopped first, their statements in flight given time to land, and their claims read
        while they can change nothing; the first holding one is killed and the others resume
        (holding none, all resume and the wait starts again).
        """
        deadline = time.monotonic() + seconds
        while True:
            while not (ready() and any(self.claims_of(pid) for pid in pids)):
                assert time.monotonic() < deadline, self.graded_lines()
                time.sleep(0.05)
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            time.sleep(0.3)
            doomed = next(((pid, held) for pid in pids if (held := self.claims_of(pid))), None)
            for pid in pids:
                os.kill(pid, signal.SIGKILL if doomed and pid == doomed[0] else signal.SIGCONT)
            if doomed:
                return doomed

    def graded_lines(self) -> dict[str, int]:
        """`submission_graded` log lines per worker log."""
        return {
            w.name: w.read_text(errors="replace").count('"submission_graded"')
            for w in sorted(self.tmp.glob("worker-*.log"))
        }

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


C = TypeVar("C", bound=Cluster)


@contextmanager
def server_mode(tmp_path: Path, *, name: str, kind: type[C]) -> Iterator[C]:
    """A deployment of `kind` on a fresh PostgreSQL database `viva_test_<worker>_<name>` and
    a redis-server of its own, with one `viva serve` started; stopped afterwards (and the
    tracebacks in its processes' logs printed)."""
    database = f"viva_test_{worker_id()}_{name}"
    try:
        run_async(_recreate_database(database))
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{database}".replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    settings = _settings(url, tmp_path, secret_key=SECRET)
    run_async(prepare_database(settings, migrate=True))
    redis = RedisServer(tmp_path)
    redis.start()
    cluster = kind(settings=settings, redis=redis, tmp=tmp_path)
    try:
        cluster.headers = cluster.new_candidate()
        cluster.start_api()
        yield cluster
    finally:
        cluster.stop()
        redis.stop()
        print_tracebacks(tmp_path)


def print_tracebacks(tmp_path: Path) -> None:
    for log in sorted(tmp_path.glob("*.log")):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(f"--- {log.name}\n{text[-4000:]}")

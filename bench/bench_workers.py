"""Grading throughput and end-to-end latency: taskiq workers on Redis against the in-process
queue, in the same run, on loopback (a PostgreSQL database and a redis-server of its own).

    .venv/bin/python bench/bench_workers.py [--submissions 40]

For each mode it measures graded submissions/s (N accepted palindrome submissions sent at
once, until the last is done) and then the latency from POST to verdict (`?wait=true`) with
submissions sent at half that throughput, and where that latency goes (stages from each
row's created/claimed/finished times). Modes: `inprocess` (one `viva serve`, 2 slots),
`taskiq-1` (API + 1 worker of 2 slots), `taskiq-2` (API + 2 workers of 1 slot: the same 2
slots). Prints a Markdown table; the ratio column is against `inprocess`, then the CPU
each process used per graded submission in the throughput phase (its whole process tree:
the sandbox's zygotes and runs count to the process that grades; PostgreSQL's backends are
not counted). With `--profile DIR`, py-spy samples every Viva process meanwhile (raw stacks
there, one file per process: bench/pyspy_summary.py reads them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import free_port

from viva.accounts import security
from viva.accounts import service as accounts
from viva.app import prepare_database
from viva.db import Database
from viva.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = (ROOT / "src/viva/content/challenges/palindrome/solution.py").read_text()
ADMIN = os.environ.get("VIVA_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-workers-secret-" + "s" * 32
DB = "viva_bench_workers"


async def _recreate() -> None:
    conn = await asyncpg.connect(ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await conn.close()


async def _token(url: str) -> str:
    database = Database(url)
    try:
        async with database.session() as session:
            user = await accounts.create_user(
                session, username=f"bench-{time.time_ns()}", password=None, role="candidate"
            )
        return security.encode_token(
            user_id=user.id, role="candidate", kind="access", ttl=timedelta(hours=1), key=SECRET
        )
    finally:
        await database.dispose()


class Run:
    def __init__(self, tmp: Path, db_url: str, redis_url: str, mode: str) -> None:
        self.tmp, self.db_url, self.redis_url, self.mode = tmp, db_url, redis_url, mode
        self.procs: list[subprocess.Popen[bytes]] = []
        self.slots: dict[Path, int] = {}  # each worker's log and its slots

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
        env.update(
            VIVA_DATABASE_URL=self.db_url,
            VIVA_REDIS_URL=self.redis_url,
            VIVA_SECRET_KEY=SECRET,
            VIVA_DATA_DIR=str(self.tmp),
            VIVA_LOG_LEVEL="warning",
            VIVA_BUILTIN_CONTENT="false",
            VIVA_RATE_LIMIT_SUBMISSIONS="100000/minute",
        )
        env.update(extra)
        return env

    def spawn(self, args: list[str], **extra: str) -> None:
        path = self.tmp / f"{self.mode}-p{len(self.procs)}.log"
        if args[0] == "worker":  # its log says what it graded (the warm-up counts on it)
            extra = {"VIVA_LOG_LEVEL": "info", "VIVA_LOG_FORMAT": "json", **extra}
            self.slots[path] = int(args[args.index("--slots") + 1])
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "viva.cli", *args],
                env=self.env(**extra),
                stdout=path.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )

    def roles(self) -> dict[str, int]:
        """Each process by role (api, worker1...) and its pid."""
        names = ["api", *(f"worker{k}" for k in range(1, len(self.procs)))]
        return {name: proc.pid for name, proc in zip(names, self.procs, strict=True)}

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=60)


def _post(client: httpx.Client, base: str, token: str, *, wait: bool) -> httpx.Response:
    return client.post(
        f"{base}/api/v1/challenges/palindrome/submissions" + ("?wait=true" if wait else ""),
        json={"source": SOLUTION},
        headers={"Authorization": f"Bearer {token}"},
        timeout=180,
    )


def _concurrently(base: str, token: str, n: int) -> None:
    def one() -> None:
        with httpx.Client() as c:
            _post(c, base, token, wait=True)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def warm(base: str, token: str, run: Run) -> None:
    """Start every sandbox slot of every grading process before anything is timed: a cold
    slot spends seconds importing the allowed packages, which would be measured as queueing.
    Workers log each grading; rounds of concurrent submissions go on until each worker has
    graded at least as many as it has slots (a worker reads one job at a time per free slot,
    so a busy one leaves the next job to an idle one)."""
    slots = sum(run.slots.values()) or 2
    for _ in range(30):
        _concurrently(base, token, 2 * slots)
        graded = {
            log: log.read_text(errors="replace").count('"submission_graded"') for log in run.slots
        }
        if all(graded[log] >= n for log, n in run.slots.items()):
            return
    raise SystemExit(f"a worker never graded during the warm-up: {graded}")


async def _stamps(db_url: str, ids: list[int]) -> dict[int, tuple[float, float, float]]:
    """Each submission's created, claimed and finished times (epoch seconds, this host's
    clock, as the bench's own)."""
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT id, created_at, started_at, finished_at FROM submissions WHERE id = ANY($1)",
            ids,
        )
    finally:
        await conn.close()
    return {
        r["id"]: (
            r["created_at"].timestamp(),
            r["started_at"].timestamp(),
            r["finished_at"].timestamp(),
        )
        for r in rows
    }


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _done(db_url: str, ids: list[int]) -> int:
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM submissions WHERE id = ANY($1) AND status = 'done'", ids
            )
        )
    finally:
        await conn.close()


Stages = dict[str, tuple[float, float]]  # stage -> (p50 ms, p99 ms)


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of `pid` and its descendants alive now, each with what it reaped."""
    children: dict[int, list[int]] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # after "(comm)": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        used[int(entry.name)] = sum(int(f) for f in fields[11:15]) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += used.get(current, 0.0)
        todo += children.get(current, [])
    return total


def _cpu(pid: int) -> float:
    """A process tree's CPU seconds; -pid: the process alone."""
    if pid > 0:
        return tree_cpu_seconds(pid)
    fields = Path(f"/proc/{-pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spy(pids: dict[str, int], folder: Path, mode: str) -> list[subprocess.Popen[bytes]]:
    folder.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    return [
        subprocess.Popen(
            [
                *(spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw"),
                *("--threads", "--output", str(folder / f"{mode}-{role}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for role, pid in pids.items()
    ]


def measure(
    base: str, token: str, n: int, run: Run, *, redis_pid: int, profile: Path | None
) -> tuple[float, float, float, Stages, dict[str, float]]:
    warm(base, token, run)
    pids = run.roles() | ({"redis": redis_pid} if run.mode != "inprocess" else {})
    spies = _spy(run.roles(), profile, run.mode) if profile is not None else []
    # Each process tree, and each process alone (its Python: event loop and threads).
    pids |= {f"{role} alone": -pid for role, pid in run.roles().items()}
    cpu = {role: _cpu(pid) for role, pid in pids.items()}
    with httpx.Client() as client:
        started = time.perf_counter()
        ids = [_post(client, base, token, wait=False).json()["id"] for _ in range(n)]
        # Polled in the database, not through the API: the poll must not load the process
        # that grades in the in-process mode.
        while asyncio.run(_done(run.db_url, ids)) < n:
            time.sleep(0.02)
        throughput = n / (time.perf_counter() - started)
    cpu = {role: (_cpu(pid) - cpu[role]) * 1000 / n for role, pid in pids.items()}
    for spy in spies:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    latencies: list[float] = []
    sent: dict[int, tuple[float, float]] = {}  # id -> (POST sent, verdict received), epoch
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client() as c:
            t0, wall0 = time.perf_counter(), time.time()
            response = _post(c, base, token, wait=True)
            elapsed, wall1 = time.perf_counter() - t0, time.time()
            assert response.status_code == 201, response.text
            with lock:
                latencies.append(elapsed * 1000)
                sent[response.json()["id"]] = (wall0, wall1)

    threads = []
    gap = 1 / (throughput / 2)  # half the measured throughput
    for _ in range(n):
        thread = threading.Thread(target=one)
        thread.start()
        threads.append(thread)
        time.sleep(gap)
    for thread in threads:
        thread.join()
    # Where the time goes, from the row's own timestamps: the API storing it (HTTP, auth,
    # INSERT), waiting (commit, enqueue, delivery to a grader, the claim), grading (sandbox
    # and judge), and the answer (storing the verdict and review card, telling the API,
    # its read of the row, the response).
    stamps = asyncio.run(_stamps(run.db_url, list(sent)))
    spans: dict[str, list[float]] = {"store": [], "wait": [], "grade": [], "answer": []}
    for submission_id, (wall0, wall1) in sent.items():
        created, started, finished = stamps[submission_id]
        for stage, span in zip(
            spans,
            (created - wall0, started - created, finished - started, wall1 - finished),
            strict=True,
        ):
            spans[stage].append(span * 1000)
    stages = {stage: (statistics.median(v), _p(v, 0.99)) for stage, v in spans.items()}
    return throughput, statistics.median(latencies), _p(latencies, 0.99), stages, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--profile", type=Path, help="a folder for py-spy's raw stacks")
    args = parser.parse_args()
    asyncio.run(_recreate())
    url = f"{ADMIN.rsplit('/', 1)[0]}/{DB}".replace("postgresql://", "postgresql+asyncpg://")
    tmp = Path(tempfile.mkdtemp(prefix="viva-bench-workers-"))
    settings = Settings(database_url=url, data_dir=tmp, secret_key=SECRET)
    asyncio.run(prepare_database(settings, migrate=True))
    token = asyncio.run(_token(url))
    redis_port = free_port()
    redis = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    rows = []
    modes = {
        "inprocess": [],
        "taskiq-1": [["worker", "--slots", "2"]],
        "taskiq-2": [["worker", "--slots", "1"], ["worker", "--slots", "1"]],
    }
    try:
        for uid, (mode, workers) in enumerate(modes.items()):
            run = Run(tmp, url, redis_url, mode)
            port = free_port()
            queue = "inprocess" if mode == "inprocess" else "redis"
            base_uid = 33000 + 200 * uid  # apart from the test suites' slot uids
            run.spawn(
                ["serve", "--host", "127.0.0.1", "--port", str(port)],
                VIVA_GRADING_QUEUE=queue,
                VIVA_SANDBOX_UID_BASE=str(base_uid),
            )
            for k, worker in enumerate(workers):
                run.spawn(worker, VIVA_SANDBOX_UID_BASE=str(base_uid + 20 * (k + 1)))
            base = f"http://127.0.0.1:{port}"
            try:
                for _ in range(300):
                    try:
                        if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.2)
                measured = measure(
                    base, token, args.submissions, run, redis_pid=redis.pid, profile=args.profile
                )
                rows.append((mode, *measured))
            finally:
                run.stop()
    finally:
        redis.terminate()
        redis.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    baseline = rows[0][1]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"n={args.submissions} submissions per mode, {os.cpu_count()} cores, load {load}")
    print("| mode | graded/s | ratio | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for mode, rate, p50, p99, *_ in rows:
        print(f"| {mode} | {rate:.2f} | {rate / baseline:.2f}x | {p50:.0f} | {p99:.0f} |")
    print("\nPOST-to-verdict by stage, p50 / p99 ms:\n")
    print("| mode | store | wait | grade | answer |")
    print("|---|---|---|---|---|")
    for mode, *_, stages, _cpu in rows:
        cells = " | ".join(f"{p50:.0f} / {p99:.0f}" for p50, p99 in stages.values())
        print(f"| {mode} | {cells} |")
    print("\nCPU ms per graded submission (throughput phase), by process tree:\n")
    print("| mode | total | by process tree | the Python processes alone |")
    print("|---|---:|---|---|")
    for mode, *_, cpu in rows:
        trees = {role: ms for role, ms in cpu.items() if not role.endswith(" alone")}
        alone = ", ".join(f"{role} {ms:.0f}" for role, ms in cpu.items() if role not in trees)
        parts = ", ".join(f"{role} {ms:.0f}" for role, ms in trees.items())
        print(f"| {mode} | {sum(trees.values()):.0f} | {parts} | {alone} |")


if __name__ == "__main__":
    main()

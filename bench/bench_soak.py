"""The 10,000-user soak (issue 13): signed-in users on keep-alive connections for minutes.

A bench, not a test. Starts a redis-server of its own, a PostgreSQL database of its own
(`viva_bench_soak`, dropped and created here) and `viva serve --workers 2` on both. Creates
N candidates straight in the database and signs each in (a bearer token minted with the
server's secret, as `POST /api/v1/auth/token` would). Then N simulated users, each on its
own keep-alive connection from one of several 127.0.0.x source addresses (one address has
only ~28k ephemeral ports), ramp up and each repeat: think (exponential, mean `--think` s),
then one of browse the question list, open a question, look at `/me`, or review a card
(the queue, then a rating of its first card); about every `--submit-every` s a user submits
a palindrome solution and reads the submission back. Reports, over the steady phase (after
the ramp), req/s and p50/p99 per route class, errors (non-2xx answers, resets, timeouts),
the load generator's own event-loop lag (its share of the CPU shows in every latency), the
peak RSS of each server process, the CPU each part used over the steady phase (server
processes, this load generator, PostgreSQL's backends of the bench database, Redis) per
request and as a share of the machine, and the kernel's listen-queue counters (a SYN
dropped on a full accept queue is retried by the client after 1, 3, 7, 15 s).

    .venv/bin/python bench/bench_soak.py [--users 10000] [--duration 180] [--ramp 60]
        [--think 30] [--submit-every 600] [--addresses 10] [--workers 2]
        [--server-env VIVA_SETTING=value ...]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

from viva.accounts import security

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("VIVA_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "viva_bench_soak"
SECRET = "bench-soak-secret-" + "s" * 32
SOLUTION = (ROOT / "src/viva/content/challenges/palindrome/solution.py").read_text()
READS = {"browse", "question", "me", "queue", "submission"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    return hard


async def recreate_database() -> str:
    try:
        conn = await asyncpg.connect(PG_ADMIN)
    except (OSError, asyncpg.PostgresError) as exc:
        raise SystemExit(
            f"PostgreSQL is needed at {PG_ADMIN} (VIVA_BENCH_PG_ADMIN): {exc}"
        ) from exc
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {PG_DB}")
    finally:
        await conn.close()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_DB}"


async def create_users(dsn: str, n: int) -> list[int]:
    """N candidates (no password: they never sign in by form here), in one statement."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "INSERT INTO users (username, password_hash, role, is_active, created_at,"
            " token_version) SELECT 'soak-' || g, NULL, 'candidate', true, now(), 0"
            " FROM generate_series(1, $1) AS g RETURNING id",
            n,
        )
    finally:
        await conn.close()
    return [int(r["id"]) for r in rows]


def token(user_id: int) -> str:
    return security.encode_token(
        user_id=user_id, role="candidate", kind="access", ttl=timedelta(hours=3), key=SECRET
    )


class Http:
    """One keep-alive HTTP/1.1 connection, as little client code as a request needs (httpx
    at 10,000 connections would spend more CPU than the server under test)."""

    def __init__(self, host: str, port: int, local: str, auth: bytes) -> None:
        self.host, self.port, self.local = host, port, local
        self.auth = auth
        self.reconnects = 0
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, local_addr=(self.local, 0)
        )

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One request; on a kept-alive connection the server closed meanwhile (uvicorn
        closes one idle for 5 s), reconnect and send it again, as a browser does."""
        if self.writer is None:
            await self.open()
            return await self._exchange(method, path, body)
        try:
            return await self._exchange(method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError, EOFError):
            self.close()
            self.reconnects += 1
            await self.open()
            return await self._exchange(method, path, body)

    async def _exchange(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: viva\r\n".encode() + self.auth
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self.writer.write(head + b"\r\n" + (body or b""))
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise EOFError("closed by the server")
        status = int(line.split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            data = b""
            while size := int((await self.reader.readline()).strip(), 16):
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            await self.reader.readline()
        else:
            data = await self.reader.readexactly(length)
        if close:
            self.close()
        return status, data


@dataclass
class Tally:
    measuring: bool = False
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # error kinds
    connect_errors: int = 0
    reconnects: int = 0  # kept-alive connections the server had closed while the user thought

    def record(self, route: str, started: float, ok: bool, kind: str = "") -> None:
        if not self.measuring:
            return
        if ok:
            self.latencies[route].append(time.perf_counter() - started)
        else:
            self.errors[route] += 1
            self.kinds[kind] += 1


async def call(
    http: Http, tally: Tally, route: str, method: str, path: str, body: bytes | None = None
) -> bytes | None:
    started = time.perf_counter()
    try:
        status, data = await asyncio.wait_for(http.request(method, path, body), timeout=30)
    except (
        OSError,
        EOFError,
        asyncio.IncompleteReadError,
        TimeoutError,
        ValueError,
        IndexError,
    ) as exc:
        http.close()
        tally.record(route, started, False, type(exc).__name__)
        return None
    ok = 200 <= status < 300
    tally.record(route, started, ok, "" if ok else f"HTTP {status}")
    return data if ok else None


async def simulated_user(
    http: Http,
    tally: Tally,
    *,
    start_at: float,
    end_at: float,
    think: float,
    submit_every: float,
    questions: list[int],
) -> None:
    rng = random.Random()
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        await http.open()
    except OSError:
        tally.connect_errors += 1
        return
    next_submit = time.monotonic() + rng.expovariate(1 / submit_every)
    submission: int | None = None
    while time.monotonic() < end_at:
        await asyncio.sleep(rng.expovariate(1 / think))
        if time.monotonic() >= end_at:
            break
        if time.monotonic() >= next_submit:
            next_submit += rng.expovariate(1 / submit_every)
            body = json.dumps({"source": SOLUTION}).encode()
            answer = await call(
                http, tally, "submit", "POST", "/api/v1/challenges/palindrome/submissions", body
            )
            if answer is not None:
                submission = int(json.loads(answer)["id"])
            continue
        pick = rng.random()
        if pick < 0.25:
            page = rng.randrange(0, 5) * 20
            await call(http, tally, "browse", "GET", f"/api/v1/questions?limit=20&offset={page}")
        elif pick < 0.55:
            await call(http, tally, "question", "GET", f"/api/v1/questions/{rng.choice(questions)}")
        elif pick < 0.65:
            await call(http, tally, "me", "GET", "/api/v1/me")
        elif pick < 0.70 and submission is not None:
            await call(http, tally, "submission", "GET", f"/api/v1/submissions/{submission}")
        else:
            queue = await call(http, tally, "queue", "GET", "/api/v1/me/review/queue")
            items = json.loads(queue)["items"] if queue else []
            if items:
                await asyncio.sleep(rng.uniform(2, 8))  # reading the card
                rating = rng.choice(["again", "hard", "good", "good", "easy"]).encode()
                await call(
                    http,
                    tally,
                    "rating",
                    "POST",
                    f"/api/v1/me/review/{items[0]['question_id']}/rating",
                    b'{"rating": "%s"}' % rating,
                )
    tally.reconnects += http.reconnects
    http.close()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mb(pid: int) -> tuple[str, float] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
    return cmdline[:60], kb / 1024


async def watch(server: int, peaks: dict[int, tuple[str, float]], lags: list[float]) -> None:
    """Peak RSS per server process, and this loop's own lag (a CPU-starved load generator
    adds it to every latency it measures)."""
    for tick in itertools.count():
        if tick % 10 == 0:  # a scan of /proc blocks this loop: every 5 s only
            for pid in descendants(server):
                found = rss_mb(pid)
                if found is not None and found[1] > peaks.get(pid, ("", 0.0))[1]:
                    peaks[pid] = found
        before = time.perf_counter()
        await asyncio.sleep(0.5)
        lags.append(time.perf_counter() - before - 0.5)


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_part(server: int, redis: int) -> dict[str, float]:
    """CPU seconds so far of each part of the set-up: every server process by its pid, this
    load generator, the PostgreSQL backends serving the bench database, Redis."""
    parts = {f"server pid {pid}": cpu_seconds(pid) for pid in descendants(server)}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    parts["load generator (this process)"] = usage.ru_utime + usage.ru_stime
    parts["PostgreSQL backends of the bench database"] = sum(
        cpu_seconds(int(entry.name))
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and PG_DB.encode() in _cmdline(entry)
    )
    parts["redis-server"] = cpu_seconds(redis)
    return parts


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def tcp_counters() -> dict[str, int]:
    """The kernel's TcpExt counters (/proc/net/netstat): listen overflows, SYN drops..."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    found: dict[str, int] = {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            found.update(zip(names.split()[1:], map(int, values.split()[1:]), strict=False))
    return found


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def soak(
    args: argparse.Namespace, port: int, server: int, redis: int, user_ids: list[int]
) -> None:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        listing = (await client.get("/api/v1/questions", params={"limit": 100})).json()
    items = listing["items"] if isinstance(listing, dict) else listing
    questions = [int(q["id"]) for q in items]
    addresses = [f"127.0.0.{2 + i}" for i in range(args.addresses)]
    tally, peaks, lags = Tally(), {}, []
    start = time.monotonic() + 1
    steady_at = start + args.ramp
    end_at = steady_at + args.duration
    users = [
        simulated_user(
            Http(
                "127.0.0.1",
                port,
                addresses[i % len(addresses)],
                f"Authorization: Bearer {token(uid)}\r\n".encode(),
            ),
            tally,
            start_at=start + args.ramp * i / len(user_ids),
            end_at=end_at,
            think=args.think,
            submit_every=args.submit_every,
            questions=questions,
        )
        for i, uid in enumerate(user_ids)
    ]
    watcher = asyncio.create_task(watch(server, peaks, lags))
    tasks = [asyncio.create_task(u) for u in users]
    await asyncio.sleep(max(0.0, steady_at - time.monotonic()))
    tally.measuring = True
    measured_from = time.monotonic()
    cpu_before, busy_before, tcp_before = cpu_by_part(server, redis), machine_busy(), tcp_counters()
    print(f"ramp done: {len(tasks)} users; measuring {args.duration} s", file=sys.stderr)
    await asyncio.sleep(max(0.0, end_at - time.monotonic()))
    tally.measuring = False
    seconds = time.monotonic() - measured_from
    cpu_after, busy_after, tcp_after = cpu_by_part(server, redis), machine_busy(), tcp_counters()
    await asyncio.wait(tasks, timeout=60)
    watcher.cancel()

    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; {len(user_ids):,} users on {args.addresses} source "
        f"addresses, ramp {args.ramp} s, measured {seconds:.0f} s, think mean {args.think} s, "
        f"submit every ~{args.submit_every} s; `viva serve --workers {args.workers}` + "
        "PostgreSQL + Redis\n"
    )
    print("| route class | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    total = errors = 0
    reads: list[float] = []
    for route in ["browse", "question", "me", "queue", "rating", "submit", "submission"]:
        lat = tally.latencies.get(route, [])
        err = tally.errors.get(route, 0)
        total += len(lat) + err
        errors += err
        if route in READS:
            reads += lat
        print(
            f"| {route} | {len(lat) + err:,} | {(len(lat) + err) / seconds:,.1f} "
            f"| {pct(lat, 0.5):.1f} | {pct(lat, 0.99):.1f} | {err} |"
        )
    print(
        f"| **all** | {total:,} | {total / seconds:,.1f} | - | - | {errors} |\n"
        f"| reads together | {len(reads):,} | {len(reads) / seconds:,.1f} "
        f"| {pct(reads, 0.5):.1f} | {pct(reads, 0.99):.1f} | - |"
    )
    print(
        f"\nconnect errors: {tally.connect_errors}; reconnects after an idle close: "
        f"{tally.reconnects:,}; error kinds: {dict(tally.kinds) or 'none'}"
    )
    if lags:
        print(
            f"load generator loop lag: median {1000 * statistics.median(lags):.1f} ms, "
            f"max {1000 * max(lags):.1f} ms"
        )
    print("\n| server process | peak RSS MB |\n|---|---:|")
    for _pid, (name, mb) in sorted(peaks.items(), key=lambda kv: -kv[1][1]):
        print(f"| {name} | {mb:.0f} |")
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    print(
        f"\nCPU over the steady phase (machine {100 * busy:.0f}% busy, all processes of "
        f"every user; {os.cpu_count()} cores = {os.cpu_count()} CPU s per s):\n"
        "\n| part | CPU s per s | CPU ms per request |\n|---|---:|---:|"
    )
    for part, after in cpu_after.items():
        used = after - cpu_before.get(part, 0.0)
        if part.startswith("server pid"):
            pid = int(part.rsplit(" ", 1)[1])
            part = f"{part}: {peaks[pid][0][:40] if pid in peaks else '?'}"
        print(f"| {part} | {used / seconds:.2f} | {1000 * used / max(1, total):.2f} |")
    counters = ["ListenOverflows", "ListenDrops", "TCPReqQFullDrop", "SyncookiesSent"]
    print(
        "\nkernel TCP counters over the steady phase (whole machine): "
        + ", ".join(f"{c} {tcp_after.get(c, 0) - tcp_before.get(c, 0)}" for c in counters)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=180, help="measured seconds")
    parser.add_argument("--ramp", type=int, default=60, help="seconds to connect every user")
    parser.add_argument("--think", type=float, default=30.0, help="mean seconds between steps")
    parser.add_argument("--submit-every", type=float, default=600.0)
    parser.add_argument("--addresses", type=int, default=10, help="127.0.0.x source addresses")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="VIVA_X=value",
        help="a setting for `viva serve` (repeatable), e.g. VIVA_KEEPALIVE_SECONDS=5",
    )
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed: apt-get install redis-server")
    limit = raise_fd_limit()
    if limit < args.users + 1000:
        raise SystemExit(f"the open-file limit is {limit}: raise it (ulimit -n) for {args.users}")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    tmp = Path(tempfile.mkdtemp(prefix="viva-bench-soak-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        redis_port = free_port()
        procs.append(
            subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                cwd=tmp,
            )
        )
        dsn = asyncio.run(recreate_database())
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
        env.update(
            VIVA_DATABASE_URL=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
            VIVA_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            VIVA_SECRET_KEY=SECRET,
            VIVA_DATA_DIR=str(tmp),
            VIVA_LOG_LEVEL="warning",
            VIVA_SANDBOX_SLOTS="1",
            VIVA_RATE_LIMIT_SUBMISSIONS="100000/minute",
        )
        env.update(dict(item.split("=", 1) for item in args.server_env))
        viva = [sys.executable, "-m", "viva.cli"]
        subprocess.run([*viva, "db", "upgrade"], env=env, check=True, capture_output=True)
        user_ids = asyncio.run(create_users(dsn, args.users))
        port = free_port()
        log = (tmp / "serve.log").open("wb")
        procs.append(
            subprocess.Popen(
                [*viva, "serve", "--workers", str(args.workers), "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise SystemExit("viva serve did not become ready:\n" + (tmp / "serve.log").read_text())
        asyncio.run(soak(args, port, procs[-1].pid, procs[0].pid, user_ids))
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Signed-in HTTP benchmark: the routes a candidate calls, beside a raw ASGI hello, same run.

Starts raw ASGI and Viva (1 uvicorn worker, access log off) on SQLite and, unless
`--engines sqlite`, on PostgreSQL (a database of its own, `viva_bench_signed_in`, dropped and
created here). Signs a candidate in, then loads each route with wrk at each concurrency.
Rounds alternate between targets so machine noise hits all alike; the median is reported.

    .venv/bin/python bench/bench_signed_in.py [--duration 5] [--rounds 3]
        [--connections 32,256] [--engines sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from bench_http import _ms, free_port, start  # the same servers and wrk parsing

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("VIVA_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "viva_bench_signed_in"
PASSWORD = "bench-password-123"


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers, socket errors and timeouts (10 s)
    cpu_ms: float  # server CPU time per request: what the load on a shared machine hides


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _lua(
    method: str, headers: dict[str, str], body: str | None, rotate: tuple[str, str] | None = None
) -> str:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    if rotate is not None:  # the path's {n} walks through questions 2..91, one per request
        before, after = rotate
        lines += [
            "local n = 0",
            "request = function()",
            "  n = n + 1",
            f'  return wrk.format(nil, "{before}" .. (2 + n % 90) .. "{after}")',
            "end",
        ]
    return "\n".join(lines) + "\n"


def wrk(
    url: str,
    script: Path,
    pid: int,
    *,
    duration: int,
    connections: int,
    profile: Path | None = None,
) -> Result:
    """One wrk run; with `profile`, py-spy samples the server meanwhile (raw stacks there)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    argv += ["-s", str(script)]
    spy = None
    if profile is not None:
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("py-spy")),
                *("record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--threads"),
                *("--duration", str(duration), "--output", str(profile)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    before = cpu_seconds(pid)
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - before
    if spy is not None:
        spy.wait(timeout=60)

    def find(pattern: str) -> str:
        m = re.search(pattern, out, re.M)
        if m is None:
            raise SystemExit(f"unexpected wrk output for {url}:\n{out}")
        return m.group(1)

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    requests = int(find(r"(\d+) requests in"))
    return Result(
        float(find(r"Requests/sec:\s+([\d.]+)")),
        _ms(find(r"^\s+50%\s+(\S+)\s*$")),
        _ms(find(r"^\s+99%\s+(\S+)\s*$")),
        (int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in sock.groups()) if sock else 0),
        1000 * used / max(1, requests),
    )


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        install = ["apt-get", "install", "-y", "wrk"]
        if subprocess.run(install, capture_output=True).returncode != 0:  # a fresh machine
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(install, check=True, capture_output=True)
        if shutil.which("wrk"):
            return
    raise SystemExit("wrk is needed: run `apt-get install wrk` as root (or `brew install wrk`)")


async def _recreate_pg_database() -> str:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {PG_DB}")
    finally:
        await conn.close()
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{PG_DB}"


async def _add_submission(database_url: str, username: str) -> int:
    """A finished submission of the bench user (grading itself is not what is measured)."""
    from sqlalchemy import select

    from viva.accounts.models import User
    from viva.db import Database
    from viva.grading.models import Submission

    database = Database(database_url)
    try:
        async with database.session() as session:
            user_id = await session.scalar(select(User.id).where(User.username == username))
            row = Submission(
                challenge="palindrome",
                source="def f(): ...",
                status="done",
                verdict="Accepted",
                score=1.0,
                passed=3,
                total=3,
                message="",
                tests=[],
                user_id=user_id,
            )
            session.add(row)
            await session.flush()
            return int(row.id)
    finally:
        await database.dispose()


@dataclass
class Target:
    name: str
    url: str
    script: Path
    pid: int
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def prepare(engine: str, data_dir: str, base_env: dict[str, str]) -> dict[str, str]:
    env = {**base_env, "VIVA_DATA_DIR": data_dir}
    if engine == "postgres":
        env["VIVA_DATABASE_URL"] = asyncio.run(_recreate_pg_database())
    viva = [sys.executable, "-m", "viva.cli"]
    subprocess.run([*viva, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*viva, "users", "create", "bench", "--password", PASSWORD],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def sign_in(base: str) -> tuple[str, str]:
    """A bearer token and an API key (scope submit) of the bench user."""
    form = {"username": "bench", "password": PASSWORD}
    r = httpx.post(f"{base}/api/v1/auth/token", data=form, timeout=30)
    r.raise_for_status()
    token = str(r.json()["access_token"])
    r = httpx.post(
        f"{base}/api/v1/me/api-keys",
        json={"name": "bench", "scopes": ["read", "submit"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    r.raise_for_status()
    return token, str(r.json()["key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="32,256")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--only", default="", help="comma-separated substrings of target names")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="a folder: py-spy samples each Viva target's first round (bench/pyspy_summary.py)",
    )
    args = parser.parse_args()
    ensure_wrk()
    connections = [int(c) for c in args.connections.split(",")]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    base_env.update(VIVA_LOG_LEVEL="warning", VIVA_SANDBOX_SLOTS="1")
    scripts = Path(tempfile.mkdtemp(prefix="viva-bench-lua-"))
    dirs: list[str] = []
    procs: list[subprocess.Popen[bytes]] = []
    targets: list[Target] = []

    def script(
        name: str,
        method: str,
        headers: dict[str, str],
        body: str | None = None,
        rotate: tuple[str, str] | None = None,
    ) -> Path:
        path = scripts / f"{len(list(scripts.iterdir()))}-{name}.lua"
        path.write_text(_lua(method, headers, body, rotate))
        return path

    try:
        raw_port = free_port()
        procs.append(start(["bench.raw_asgi:app"], base_env, raw_port))
        raw_url = f"http://127.0.0.1:{raw_port}/"
        targets.append(Target("raw ASGI hello", raw_url, script("raw", "GET", {}), procs[-1].pid))
        for engine in engines:
            data_dir = tempfile.mkdtemp(prefix=f"viva-bench-{engine}-")
            dirs.append(data_dir)
            env = prepare(engine, data_dir, base_env)
            port, nocache_port = free_port(), free_port()
            app = ["--factory", "viva.app:create_app"]
            procs.append(start(app, env, port))
            viva_pid = procs[-1].pid
            procs.append(start(app, {**env, "VIVA_CACHE_TTL_SECONDS": "0"}, nocache_port))
            nocache_pid = procs[-1].pid
            base = f"http://127.0.0.1:{port}"
            token, api_key = sign_in(base)
            url = env.get("VIVA_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir}/viva.db"
            submission = asyncio.run(_add_submission(url, "bench"))
            bearer = {"Authorization": f"Bearer {token}"}
            json_h = {**bearer, "Content-Type": "application/json"}
            rows = [
                ("GET /api/v1/me", f"{base}/api/v1/me", "GET", bearer, None),
                (
                    "GET /api/v1/me (API key)",
                    f"{base}/api/v1/me",
                    "GET",
                    {"X-API-Key": api_key},
                    None,
                ),
                ("GET /api/v1/questions/2", f"{base}/api/v1/questions/2", "GET", bearer, None),
                (
                    "GET /api/v1/submissions/{id}",
                    f"{base}/api/v1/submissions/{submission}",
                    "GET",
                    bearer,
                    None,
                ),
                (
                    "GET /api/v1/me/review/queue",
                    f"{base}/api/v1/me/review/queue",
                    "GET",
                    bearer,
                    None,
                ),
                (
                    "POST /api/v1/me/review/2/rating",
                    f"{base}/api/v1/me/review/2/rating",
                    "POST",
                    json_h,
                    json.dumps({"rating": "good"}),
                ),
                (
                    "POST /api/v1/me/review/{n}/rating (next card each time)",
                    f"{base}/api/v1/me/review/3/rating",
                    "POST",
                    json_h,
                    json.dumps({"rating": "good"}),
                ),
                (
                    "anonymous GET /api/v1/questions (cache off)",
                    f"http://127.0.0.1:{nocache_port}/api/v1/questions",
                    "GET",
                    {},
                    None,
                ),
            ]
            for name, url, method, headers, body in rows:
                if args.only and not any(s in name for s in args.only.split(",")):
                    continue
                pid = nocache_pid if "cache off" in name else viva_pid
                rotate = ("/api/v1/me/review/", "/rating") if "{n}" in name else None
                lua = script(engine, method, headers, body, rotate)
                targets.append(
                    Target(f"{engine}: {name}", url, lua, pid, method, dict(headers), body)
                )
        for t in targets:  # warm up and check every target answers 2xx
            for _ in range(10):
                answer = httpx.request(
                    t.method, t.url, headers=t.headers, content=t.body, timeout=30
                )
                if answer.status_code >= 400:
                    raise SystemExit(f"{t.name}: {answer.status_code} {answer.text[:300]}")
        results: dict[tuple[str, int], list[Result]] = {}
        for r in range(args.rounds):
            for c in connections:
                for t in targets:
                    spy = None
                    if args.profile is not None and r == 0 and t.name != "raw ASGI hello":
                        args.profile.mkdir(parents=True, exist_ok=True)
                        spy = (
                            args.profile / f"{re.sub(r'[^a-z0-9]+', '-', t.name.lower())}-c{c}.txt"
                        )
                    res = wrk(
                        t.url, t.script, t.pid, duration=args.duration, connections=c, profile=spy
                    )
                    results.setdefault((t.name, c), []).append(res)
                    print(f"round {r + 1} c{c}: {t.name}: {res.rps:,.0f} req/s", file=sys.stderr)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(scripts, ignore_errors=True)

    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}, wrk -t1 -d{args.duration}s, median of {args.rounds} rounds\n"
    )
    print(
        "| endpoint (signed in unless said) | conns | req/s | p50 ms | p99 ms | ratio to raw "
        "| server CPU ms/req | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for c in connections:
        raw = statistics.median(x.rps for x in results[("raw ASGI hello", c)])
        for t in targets:
            rs = results[(t.name, c)]
            rps = statistics.median(x.rps for x in rs)
            p50 = statistics.median(x.p50_ms for x in rs)
            p99 = statistics.median(x.p99_ms for x in rs)
            errors = sum(x.errors for x in rs)
            cpu = statistics.median(x.cpu_ms for x in rs)
            print(
                f"| {t.name} | {c} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / raw:.3f}x "
                f"| {cpu:.3f} | {errors} |"
            )


if __name__ == "__main__":
    main()

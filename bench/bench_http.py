"""HTTP benchmark: Viva's question page (20 questions) against a raw ASGI hello, same run.

Starts each app under the same uvicorn settings (1 worker, access log off), loads it on
loopback with wrk, and prints req/s, p50 and p99 and the ratio to raw ASGI. Rounds alternate
between the servers so machine noise hits all of them alike; the median round is reported.

    .venv/bin/python bench/bench_http.py [--duration 8] [--rounds 3] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TRACK = "python-fastapi-sql"


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(target: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        *target,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)  # raw ASGI answers any path
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server {target} did not start")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        raise SystemExit(f"cannot read a wrk latency: {text}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def wrk(url: str, *, duration: int, connections: int) -> Result:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1))  # type: ignore[union-attr]
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors under load:\n{out}")
    return Result(rps, p50, p99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    data_dir = tempfile.mkdtemp(prefix="viva-bench-")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    base_env.update(VIVA_DATA_DIR=data_dir, VIVA_LOG_LEVEL="warning")
    subprocess.run(
        [sys.executable, "-m", "viva.cli", "db", "upgrade"],
        env=base_env,
        check=True,
        capture_output=True,
    )

    redis_url = os.environ.get("VIVA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    ports = {name: free_port() for name in ("raw", "viva", "viva-redis", "viva-nocache")}
    procs = [
        start(["bench.raw_asgi:app"], base_env, ports["raw"]),
        start(["--factory", "viva.app:create_app"], base_env, ports["viva"]),
        start(
            ["--factory", "viva.app:create_app"],
            {**base_env, "VIVA_REDIS_URL": redis_url, "VIVA_CACHE_PREFIX": "viva-bench"},
            ports["viva-redis"],
        ),
        start(
            ["--factory", "viva.app:create_app"],
            {**base_env, "VIVA_CACHE_TTL_SECONDS": "0"},
            ports["viva-nocache"],
        ),
    ]
    api = f"/api/v1/questions?track={TRACK}&limit=20"
    page = f"/tracks/{TRACK}"
    targets = {
        "raw ASGI hello": f"http://127.0.0.1:{ports['raw']}/",
        "API: page of 20 questions (cached)": f"http://127.0.0.1:{ports['viva']}{api}",
        "HTML: track page, 50 questions (cached)": f"http://127.0.0.1:{ports['viva']}{page}",
        "API: page of 20 questions (Redis cache)": f"http://127.0.0.1:{ports['viva-redis']}{api}",
        "API: page of 20 questions (cache off)": f"http://127.0.0.1:{ports['viva-nocache']}{api}",
    }
    try:
        for url in targets.values():  # warm up: fill caches, JIT nothing, open pools
            for _ in range(20):
                httpx.get(url, timeout=10).raise_for_status()
        results: dict[str, list[Result]] = {name: [] for name in targets}
        for r in range(args.rounds):
            for name, url in targets.items():
                results[name].append(wrk(url, duration=args.duration, connections=args.connections))
                print(f"round {r + 1}: {name}: {results[name][-1].rps:,.0f} req/s", file=sys.stderr)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(data_dir, ignore_errors=True)

    raw_rps = statistics.median(r.rps for r in results["raw ASGI hello"])
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, wrk -t1 -c{args.connections} "
        f"-d{args.duration}s, median of {args.rounds} rounds\n"
    )
    print("| endpoint | req/s | p50 ms | p99 ms | ratio to raw ASGI |")
    print("|---|---:|---:|---:|---:|")
    for name, rs in results.items():
        rps = statistics.median(r.rps for r in rs)
        p50 = statistics.median(r.p50_ms for r in rs)
        p99 = statistics.median(r.p99_ms for r in rs)
        print(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / raw_rps:.2f}x |")


if __name__ == "__main__":
    main()

"""Judge0 API throughput beside Viva's native submissions, same server, same run.

Starts `viva serve` (SQLite, 2 sandbox slots), then alternates rounds of, each with
`--clients` concurrent clients and `?wait=true`:

- native: graded palindrome submissions (POST /api/v1/challenges/palindrome/submissions);
- Judge0: a program with stdin and expected_output (POST /judge0/submissions), Accepted;
- Judge0 batch: batches of 20 such programs (POST /judge0/submissions/batch, then polling
  GET /judge0/submissions/batch until all are done).

Prints submissions/s (median round) and the ratio to the native path.

    .venv/bin/python bench/bench_judge0.py [--submissions 60] [--rounds 3] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from bench_http import free_port

PASSWORD = "bench-password-123"
PALINDROME = (
    "import unicodedata\ndef is_palindrome(t):\n"
    "    c = [x.casefold() for x in unicodedata.normalize('NFC', t) if x.isalnum()]\n"
    "    return c == c[::-1]\n"
)
PROGRAM = {
    "source_code": "import sys\nfor line in sys.stdin:\n    print(line.strip()[::-1])\n",
    "stdin": "abc\nracecar\n",
    "expected_output": "cba\nracecar\n",
    "language_id": 71,
}


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "viva.cli", "serve", "--port", str(port)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("viva serve did not start")


def credentials(base: str) -> tuple[dict[str, str], dict[str, str]]:
    r = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}, timeout=30
    )
    r.raise_for_status()
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = httpx.post(
        f"{base}/api/v1/me/api-keys",
        json={"name": "bench-judge0", "scopes": ["judge0"]},
        headers=bearer,
        timeout=30,
    )
    r.raise_for_status()
    return bearer, {"X-Auth-Token": str(r.json()["key"])}


def rate(n: int, clients: int, one: Callable[[httpx.Client], int]) -> float:
    """Submissions per second for `n` submissions spread over `clients` threads."""
    per_client = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]

    def work(count: int) -> int:
        done = 0
        with httpx.Client(timeout=120) as http:
            while done < count:
                done += one(http)
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(work, per_client))
    return total / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="viva-bench-judge0-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(
        VIVA_DATA_DIR=data_dir,
        VIVA_LOG_LEVEL="warning",
        VIVA_SANDBOX_SLOTS="2",
        VIVA_RATE_LIMIT_SUBMISSIONS="1000000/minute",
    )
    viva = [sys.executable, "-m", "viva.cli"]
    subprocess.run([*viva, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*viva, "users", "create", "bench", "--password", PASSWORD],
        env=env,
        check=True,
        capture_output=True,
    )
    proc, base = serve(env)
    try:
        bearer, judge0 = credentials(base)

        def native(http: httpx.Client) -> int:
            r = http.post(
                f"{base}/api/v1/challenges/palindrome/submissions",
                params={"wait": "true"},
                json={"source": PALINDROME},
                headers=bearer,
            )
            assert r.status_code == 201 and r.json()["verdict"] == "Accepted", r.text
            return 1

        def single(http: httpx.Client) -> int:
            r = http.post(
                f"{base}/judge0/submissions",
                params={"wait": "true", "fields": "status_id"},
                json=PROGRAM,
                headers=judge0,
            )
            assert r.status_code == 201 and r.json() == {"status_id": 3}, r.text
            return 1

        def batch(http: httpx.Client) -> int:
            r = http.post(
                f"{base}/judge0/submissions/batch",
                json={"submissions": [PROGRAM] * 20},
                headers=judge0,
            )
            tokens = ",".join(t["token"] for t in r.json())
            while True:
                r = http.get(
                    f"{base}/judge0/submissions/batch",
                    params={"tokens": tokens, "fields": "status_id"},
                    headers=judge0,
                )
                ids = [s["status_id"] for s in r.json()["submissions"]]
                if all(i >= 3 for i in ids):
                    assert ids == [3] * 20, ids
                    return 20
                time.sleep(0.02)

        paths = {"native (palindrome, graded)": native, "Judge0 API": single, "Judge0 batch": batch}
        for one in paths.values():  # warm-up: zygotes, property pools, connections
            rate(20 if one is batch else 4, 1 if one is batch else 2, one)
        results: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(args.rounds):
            for name, one in paths.items():
                n = max(args.submissions // 20, 1) * 20 if one is batch else args.submissions
                clients = 1 if one is batch else args.clients
                results[name].append(rate(n, clients, one))
        baseline = statistics.median(results["native (palindrome, graded)"])
        print(f"\n{args.submissions} submissions x {args.rounds} rounds, {args.clients} clients")
        print("| path | submissions/s | ratio to native |\n|---|---:|---:|")
        for name, values in results.items():
            value = statistics.median(values)
            print(f"| {name} | {value:.1f} | {value / baseline:.2f}x |")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()

"""How a job reaches a Python process: the bubblewrap zygote pool, or (opt-in) no isolation."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus
from viva.grading.judge.records import authenticated, parse_records

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
PRELOAD_SECONDS = 10.0  # direct.py imports what the zygote preloads before the job runs


class Runner(Protocol):
    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome: ...
    def close(self) -> None: ...


class DirectRunner:
    """No isolation at all: for trusted single-user use (VIVA_SANDBOX=none) and content checks."""

    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome:
        with tempfile.TemporaryFile() as results:
            return self._run(job, limits, results)

    def _run(self, job: dict[str, Any], limits: Limits, results: Any) -> RunOutcome:
        started = time.perf_counter()
        nonce = secrets.token_hex(16)
        proc = subprocess.Popen(
            [sys.executable, "-I", str(RUNTIME_DIR / "direct.py"), str(results.fileno())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(results.fileno(),),
            env={"PATH": "/usr/bin:/bin"},
            cwd=tempfile.gettempdir(),
        )
        try:
            out, err = proc.communicate(
                json.dumps({**job, "nonce": nonce}).encode(),
                timeout=limits.wall_seconds + PRELOAD_SECONDS,
            )
            status = RunStatus.EXITED
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            status = RunStatus.TIMEOUT
        results.seek(0)
        raw = parse_records(results.read().decode(errors="replace"))
        records = [authenticated(r, nonce) for r in raw]
        if records[:1] == [{"begin": True}]:
            records = records[1:]  # the harness's timing mark (the sandbox host consumes it)
        # No isolation here, so nothing to guard the times against: the harness's own.
        test_ms = {
            r["test"]: float(r["ms"])
            for r in records
            if type(r.get("test")) is int and type(r.get("ms")) in (int, float)
        }
        return RunOutcome(
            status=status,
            records=records,
            stdout=out.decode(errors="replace")[-65536:],
            stderr=err.decode(errors="replace")[-65536:],
            exit_code=proc.returncode,
            wall_ms=(time.perf_counter() - started) * 1000,
            test_ms=test_ms,
        )

    def close(self) -> None:
        return None

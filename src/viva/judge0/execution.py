"""One Judge0 program through Viva's sandbox, and how its end maps to Judge0's fields.

The sandbox runs Python jobs through its harness; the job's source is `launcher.py`, which
runs the program as a script (stdin, argv, files) and exits with the program's status.
Everything Judge0 decides (the status, Accepted against Wrong Answer) is decided here, on the
host, from what the sandbox's supervisor observed. Blocking: call from a worker thread.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus
from viva.grading.runners import Runner
from viva.judge0.statuses import BY_SIGNAL, Status

LAUNCHER = (Path(__file__).resolve().parent / "launcher.py").read_text()

# Viva's sandbox cannot go below or above these (grading.challenges.Limits).
MIN_MEMORY_MB, MAX_MEMORY_MB = 32, 2048
MAX_CPU_SECONDS, MAX_WALL_SECONDS, MAX_OUTPUT_KB = 30.0, 60.0, 4096


@dataclass(frozen=True)
class Program:
    """What one run needs: the language kind ("python" or "sqlite") and Judge0's options."""

    kind: str
    source: bytes
    stdin: bytes = b""
    expected_output: bytes | None = None
    args: list[str] = field(default_factory=list)
    redirect_stderr_to_stdout: bool = False
    additional_files: bytes | None = None
    cpu_time_limit: float = 5.0
    cpu_extra_time: float = 1.0
    wall_time_limit: float = 10.0
    memory_limit_kb: int = 128000
    max_file_size_kb: int = 1024


@dataclass
class Result:
    status: Status
    stdout: str | None = None
    stderr: str | None = None
    compile_output: str | None = None
    message: str | None = None
    exit_code: int | None = None
    exit_signal: int | None = None
    time: float | None = None
    wall_time: float | None = None
    memory: int | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "status_id": int(self.status),
            "stdout": self.stdout,
            "stderr": self.stderr,
            "compile_output": self.compile_output,
            "message": self.message,
            "exit_code": self.exit_code,
            "exit_signal": self.exit_signal,
            "time": self.time,
            "wall_time": self.wall_time,
            "memory": self.memory,
        }


def limits_for(program: Program) -> Limits:
    """Judge0's limits as the sandbox's: the CPU limit includes the extra time (the run is
    stopped there, but any time past cpu_time_limit is a Time Limit Exceeded, as in
    isolate); memory rounds up to whole MB within the sandbox's range."""
    memory_mb = math.ceil(program.memory_limit_kb / 1024)
    return Limits(
        cpu_seconds=min(MAX_CPU_SECONDS, program.cpu_time_limit + program.cpu_extra_time),
        wall_seconds=min(MAX_WALL_SECONDS, program.wall_time_limit),
        memory_mb=min(MAX_MEMORY_MB, max(MIN_MEMORY_MB, memory_mb)),
        output_kb=min(MAX_OUTPUT_KB, max(1, program.max_file_size_kb)),
    )


def job(program: Program, marker: str) -> dict[str, Any]:
    """The harness job: the launcher as the source, the program as its argument. The
    harness's in-process guard is off ("guard": False): it keeps graded code from forging
    a grader's records, and a Judge0 program has nothing to forge (its expected output never
    enters the sandbox) while it may use what the guard refuses (compile, ctypes). The
    isolation itself, namespaces, seccomp and limits, is the sandbox's and stays."""
    payload = {
        "marker": marker,
        "language": program.kind,
        "source": base64.b64encode(program.source).decode(),
        "stdin": base64.b64encode(program.stdin).decode(),
        "args": program.args,
        "redirect_stderr_to_stdout": program.redirect_stderr_to_stdout,
        "additional_files": base64.b64encode(program.additional_files).decode()
        if program.additional_files
        else "",
    }
    encoded = base64.b64encode(json.dumps(payload).encode()).decode()
    source = f"{LAUNCHER}\n\nlaunch({encoded!r})\n"
    return {
        "source": source,
        "tests": [{"id": 0, "kind": "call", "call": "launch"}],
        "guard": False,
    }


def strip(text: str) -> str:
    """Judge0's comparison: trailing whitespace of every line, and trailing lines, ignored."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def run(runner: Runner, program: Program) -> Result:
    marker = secrets.token_hex(16)
    outcome = runner.run(job(program, marker), limits_for(program))
    return interpret(program, outcome, marker)


def _usage(outcome: RunOutcome, marker: str) -> dict[str, Any] | None:
    """The launcher's report at the very end of stderr, taken off it."""
    tag = "\0" + marker
    at = outcome.stderr.rfind(tag)
    if at < 0 or not outcome.stderr.endswith("\n"):
        return None
    try:
        usage = json.loads(outcome.stderr[at + len(tag) :])
    except ValueError:
        return None
    outcome.stderr = outcome.stderr[:at]
    return usage if isinstance(usage, dict) else None


def _number(value: Any) -> float | None:
    return float(value) if type(value) in (int, float) and math.isfinite(value) else None


def interpret(program: Program, outcome: RunOutcome, marker: str) -> Result:
    """Judge0's status and result fields from how the sandbox saw the run end."""
    usage = _usage(outcome, marker)
    wall = round(outcome.wall_ms / 1000, 3)
    cpu = _number((usage or {}).get("cpu"))
    memory = _number((usage or {}).get("memory_kb"))
    result = Result(
        status=Status.ACCEPTED,
        stdout=outcome.stdout or None,
        stderr=outcome.stderr or None,
        time=round(cpu, 3) if cpu is not None else None,
        wall_time=wall,
        memory=int(memory) if memory is not None else None,
        exit_code=0,
    )
    if outcome.status == RunStatus.INTERNAL:
        result.status, result.message = Status.INTERNAL_ERROR, "the sandbox failed to run it"
        result.stdout = result.stderr = None
        result.exit_code = None
        return result
    if outcome.status in (RunStatus.TIMEOUT, RunStatus.CPU_LIMIT):
        result.status = Status.TIME_LIMIT_EXCEEDED
        if outcome.status == RunStatus.TIMEOUT:
            result.message = "Time limit exceeded (wall clock)"
        else:
            result.message = "Time limit exceeded"
            result.time = round(program.cpu_time_limit + program.cpu_extra_time, 3)
        result.exit_code, result.exit_signal = None, int(signal.SIGKILL)
        return result
    if outcome.status == RunStatus.MEMORY or (usage or {}).get("out_of_memory") is True:
        result.status, result.message = Status.MEMORY_LIMIT_EXCEEDED, "Memory limit exceeded"
        result.memory = program.memory_limit_kb
        result.exit_code, result.exit_signal = None, int(signal.SIGKILL)
        return result
    if outcome.status == RunStatus.OUTPUT:
        result.status = Status.SIGXFSZ
        result.message = f"Output limit exceeded ({program.max_file_size_kb} KB, max_file_size)"
        result.exit_code, result.exit_signal = None, int(signal.SIGXFSZ)
        return result
    code = outcome.exit_code if outcome.exit_code is not None else 128 + int(signal.SIGKILL)
    if usage is not None and usage.get("exit") == code:
        number = 0  # the program exited by itself (even with a status above 128)
    elif code < 0:
        number = -code  # the unisolated runner reports a signal as a negative status
    elif code > 128:
        number = code - 128
    else:
        number = 0
    if number == signal.SIGXCPU:  # the kernel's CPU limit (cpu_time_limit + cpu_extra_time)
        result.status, result.message = Status.TIME_LIMIT_EXCEEDED, "Time limit exceeded"
        result.time = round(program.cpu_time_limit + program.cpu_extra_time, 3)
        result.exit_code, result.exit_signal = None, number
        return result
    if number:
        result.status = BY_SIGNAL.get(number, Status.OTHER)
        result.exit_code, result.exit_signal = 0, number
        result.message = f"Caught fatal signal {number}"
        return result
    result.exit_code = code
    if code != 0:
        result.status, result.message = Status.NZEC, f"Exited with error status {code}"
        return result
    if cpu is not None and cpu > program.cpu_time_limit:
        result.status, result.message = Status.TIME_LIMIT_EXCEEDED, "Time limit exceeded"
        return result
    if program.expected_output is not None:
        expected = program.expected_output.decode("utf-8", "replace")
        if strip(expected) != strip(outcome.stdout):
            result.status = Status.WRONG_ANSWER
    return result


def run_all(sandbox: Any, programs: list[Program], runs: int) -> tuple[Result, list[Result]]:
    """Blocking. Each program `runs` times (stopping at the first run not Accepted, as
    Judge0 does), times and memory averaged; the submission's result is the first test
    case not Accepted, else the last one."""
    per_test: list[Result] = []
    for program in programs:
        results = []
        for _ in range(runs):
            results.append(run(sandbox, program))
            if results[-1].status != Status.ACCEPTED:
                break
        last = results[-1]
        times = [r.time for r in results if r.time is not None]
        walls = [r.wall_time for r in results if r.wall_time is not None]
        memories = [r.memory for r in results if r.memory is not None]
        last.time = round(sum(times) / len(times), 3) if times else last.time
        last.wall_time = round(sum(walls) / len(walls), 3) if walls else last.wall_time
        last.memory = round(sum(memories) / len(memories)) if memories else last.memory
        per_test.append(last)
    overall = next((r for r in per_test if r.status != Status.ACCEPTED), per_test[-1])
    return overall, per_test

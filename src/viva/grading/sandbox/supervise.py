"""The host's side of one run: hand the job to the warm worker, read its results and output,
enforce the wall clock and the output cap, and time each test as its record arrives. How a
run ended comes from here and from the run's init, never from the run itself."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import time
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus
from viva.grading.judge.records import authenticated, parse_records

MAX_RESULT_BYTES = 4 * 1024 * 1024
MAX_RECORDS = 10_000  # the harness writes one per test: a flood of tiny ones is output too


class WarmRun:
    """One warm run's descriptors, held by the host alone (the zygote closed its copies):
    the job pipe, the result, stdout and stderr pipes, the socket to the run's init, and a
    pidfd of that init."""

    def __init__(self, key: str, fds: list[int]) -> None:
        self.key = key
        self.job_w, self.result_r, self.out_r, self.err_r, supervisor, self.pidfd = fds
        self.supervisor = socket.socket(fileno=supervisor)

    def close(self) -> None:
        """Close the host's ends; the run's init then kills whatever is left of the run. The
        pidfd stays open: `gone` tells when the run's whole PID namespace has ended."""
        for fd in (self.job_w, self.result_r, self.out_r, self.err_r):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.job_w = self.result_r = self.out_r = self.err_r = -1
        self.supervisor.close()

    def gone(self, seconds: float) -> bool:
        """Whether the run's init has exited within `seconds`. The init of a PID namespace
        exits only after every task in it has been reaped, so then none of the run's
        processes or threads counts any more against the slot uid's RLIMIT_NPROC."""
        if self.pidfd < 0:
            return True
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        if not poller.poll(max(0, round(seconds * 1000))):
            return False
        os.close(self.pidfd)
        self.pidfd = -1
        return True


def supervise(
    run: WarmRun, payload: bytes, limits: Limits, nonce: str, kill_seconds: float
) -> RunOutcome:
    """The host's side of a run: hand the job to the waiting worker, read its results and
    output, enforce the wall clock and the output cap, and time each test as its record
    arrives. How the run ended comes from here and from the run's init, never from the run."""
    started = time.monotonic()
    view = memoryview(payload)
    while view:
        view = view[os.write(run.job_w, view) :]
    os.close(run.job_w)
    run.job_w = -1
    cap = limits.output_kb * 1024
    result, out, err = bytearray(), bytearray(), bytearray()
    buffers = {run.result_r: result, run.out_r: out, run.err_r: err}
    supervisor = run.supervisor.fileno()
    poller = select.poll()
    for fd in (*buffers, supervisor):
        poller.register(fd, select.POLLIN)
    open_fds = set(buffers)
    report: dict[str, Any] | None = None
    supervisor_open = True
    status = RunStatus.EXITED
    records: list[dict[str, Any]] = []
    arrivals: dict[int, float] = {}
    begun: list[float] = []
    scanned = 0
    deadline = started + limits.wall_seconds

    def take_lines(now: float, final: bool = False) -> None:
        nonlocal scanned
        end = len(result) if final else result.rfind(b"\n") + 1
        if end <= scanned:
            return
        for line in bytes(result[scanned:end]).split(b"\n"):
            if not line.lstrip().startswith(b"{"):
                continue  # only JSON objects are records
            for parsed in parse_records(line.decode("utf-8", "replace")):
                record = authenticated(parsed, nonce)
                if record == {"begin": True} and not begun and not records:
                    begun.append(now)  # the harness, before any candidate code ran
                    continue
                records.append(record)
                if type(record.get("test")) is int:
                    arrivals[record["test"]] = now  # the last report of a test wins
        scanned = end

    while open_fds or (report is None and supervisor_open):
        now = time.monotonic()
        if now >= deadline:
            status = RunStatus.TIMEOUT
            break
        for fd, _event in poller.poll(max(1.0, (deadline - now) * 1000)):
            if fd == supervisor:
                report = read_report(run.supervisor)
                poller.unregister(supervisor)
                supervisor_open = False
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                poller.unregister(fd)
                continue
            buffers[fd] += chunk
            if fd == run.result_r:
                take_lines(time.monotonic())
        too_much = len(result) > MAX_RESULT_BYTES or len(records) > MAX_RECORDS
        if len(out) + len(err) > cap or too_much:
            status = RunStatus.OUTPUT
            break
    ended = time.monotonic()
    take_lines(ended, final=True)
    if status != RunStatus.EXITED and supervisor_open:
        report = _kill(run.supervisor, kill_seconds)
    if status == RunStatus.EXITED:
        reported = (report or {}).get("status")
        if reported in ("exited", "memory", "cpu-limit", "killed"):
            status = RunStatus(reported)
        else:
            status = RunStatus.INTERNAL
    exit_code = (report or {}).get("exit_code")
    exit_code = exit_code if type(exit_code) is int else 128 + signal.SIGKILL
    if status == RunStatus.EXITED and exit_code == 128 + signal.SIGKILL and not records:
        status = RunStatus.KILLED
    detail = ""
    if status == RunStatus.INTERNAL:
        detail = f"sandbox failure: {(report or {}).get('detail') or 'the run ended unreported'}"
    return RunOutcome(
        status=status,
        records=records,
        stdout=out[-cap:].decode("utf-8", "replace"),
        stderr=err[-cap:].decode("utf-8", "replace"),
        exit_code=exit_code,
        wall_ms=round((ended - started) * 1000, 2),
        detail=detail or status_detail(status, limits),
        test_ms=_test_ms(arrivals, begun[0] if begun else started),
    )


def read_report(supervisor: socket.socket) -> dict[str, Any] | None:
    try:
        data = supervisor.recv(4096)
        value = json.loads(data) if data else None
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _kill(supervisor: socket.socket, seconds: float) -> dict[str, Any] | None:
    """Ask the run's init to end the run, and wait up to `seconds` for its report, which it
    sends once it has reaped every process of the run."""
    try:
        supervisor.send(b"kill")
        supervisor.settimeout(seconds)
        return read_report(supervisor)
    except OSError:
        return None


def _test_ms(arrivals: dict[int, float], started: float) -> dict[int, float]:
    """Each test's time from when the previous test's record arrived to when its own did:
    a run can shift time between its tests but not hide any of it."""
    times, previous = {}, started
    for index in sorted(arrivals):
        times[index] = round(max(0.0, arrivals[index] - previous) * 1000, 2)
        previous = max(previous, arrivals[index])
    return times


def status_detail(status: RunStatus, limits: Limits) -> str:
    return {
        RunStatus.TIMEOUT: f"the program ran longer than {limits.wall_seconds:g} s (wall clock)",
        RunStatus.CPU_LIMIT: f"the program used more than {limits.cpu_seconds:g} s of CPU",
        RunStatus.OUTPUT: f"the program printed more than {limits.output_kb} KB",
        RunStatus.MEMORY: f"the program used more than {limits.memory_mb} MB",
    }.get(status, "")

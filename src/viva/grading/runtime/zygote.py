"""The zygote: a pre-started interpreter inside bubblewrap that forks once per run.

Protocol: one JSON request per line on stdin ({"job", "limits"}), one JSON reply per line on
stdout. It imports the packages graded code may use before any request, so each run starts
warm. It holds no secrets: bubblewrap clears the environment and shows it no Viva files.

Per run:  zygote ── fork ──> relay (new mount/pid/ipc/uts namespaces)
                               └─ fork ──> init, PID 1 (fresh /tmp and /proc; reaps; exits
                                           when the worker exits, which kills the namespace)
                                             └─ fork ──> worker: rlimits, slot uid, no new
                                                         privileges, seccomp, then the code
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, "/sandbox/site")

import harness
import seccomp

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS = 0x20000, 0x20000000, 0x8000000, 0x4000000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 0x4000, 0x40000, 0x2, 0x4
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
LIBC = ctypes.CDLL(None, use_errno=True)
PRELOAD = (
    "fastapi",
    "fastapi.testclient",
    "pydantic",
    "starlette",
    "httpx",
    "httpx2",
    "fakeredis",
    "redis",
    "hypothesis",
    "multipart",
    "json",
    "unicodedata",
    "itertools",
    "functools",
    "collections",
    "dataclasses",
    "typing",
    "decimal",
    "re",
    "uuid",
    "hashlib",
    "base64",
    "datetime",
    "asyncio",
)


SECCOMP_PROGRAM = b""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _preload() -> list[str]:
    missing = []
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:
            missing.append(name)
    return missing


def _vm_size_mb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) // 1024
    return 0


def _close_all_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep | {65536}):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1


def _worker(limits: dict[str, Any], uid: int, result_w: int, job_r: int, base_mb: int) -> None:
    """Set up every restriction, then wait for the job: a warm worker is ready before its job
    arrives, so a run's latency is only the run."""
    os.chdir("/tmp")
    _close_all_except({result_w, job_r})
    cpu = max(1, int(limits["cpu_seconds"] + 0.999))
    memory = (base_mb + int(limits["memory_mb"])) * 1024 * 1024
    for res, value in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_NPROC, (64, 64)),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_FSIZE, (8 << 20, 8 << 20)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ):
        resource.setrlimit(res, value)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    seccomp.install(SECCOMP_PROGRAM)
    os.environ.clear()
    os.environ.update({"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/bin"})
    with os.fdopen(job_r, "rb") as source:
        job = json.loads(source.read())
    with os.fdopen(result_w, "w") as out:
        harness.run(job, out)


def _init(
    limits: dict[str, Any], uid: int, result_w: int, job_r: int, status_w: int, base_mb: int
) -> int:
    """PID 1 of the run's namespace: private /tmp and /proc, then fork the worker and reap."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _check(LIBC.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    _check(
        LIBC.mount(
            b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=16m,nr_inodes=4096,mode=1777"
        ),
        "mount /tmp",
    )
    _check(LIBC.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV, None), "mount /proc")
    worker = os.fork()
    if worker == 0:
        try:
            os.close(status_w)
            _worker(limits, uid, result_w, job_r, base_mb)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 70
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    os.close(result_w)
    os.close(job_r)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: os.kill(worker, signal.SIGKILL))
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 71
        except InterruptedError:
            continue
        if pid == worker:
            code = 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            # Report before exiting: tearing the namespaces down takes milliseconds that the
            # zygote need not wait for.
            os.write(status_w, str(code).encode())
            return code


class Warm:
    """A run whose sandbox is fully set up and whose worker waits for its job."""

    def __init__(self, limits: dict[str, Any], uid: int, base_mb: int) -> None:
        self.limits = limits
        job_r, self.job_w = os.pipe()
        self.status_r, status_w = os.pipe()
        self.result_r, result_w = os.pipe()
        self.out_r, out_w = os.pipe()
        self.err_r, err_w = os.pipe()
        sys.stdout.flush()
        self.relay = os.fork()
        if self.relay == 0:  # the relay: new namespaces, then PID 1 of them
            code = 72
            try:
                os.setsid()
                LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
                os.dup2(out_w, 1)
                os.dup2(err_w, 2)
                # Drop every other descriptor, above all other warm runs' job pipes, which
                # would otherwise never see end-of-file.
                _close_all_except({job_r, status_w, result_w})
                flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
                _check(LIBC.unshare(flags), "unshare")
                init = os.fork()
                if init == 0:
                    code = 73
                    try:
                        code = _init(limits, uid, result_w, job_r, status_w, base_mb)
                    finally:
                        os._exit(code)
                for fd in (result_w, job_r, status_w, 1, 2):
                    os.close(fd)
                _, init_status = os.waitpid(init, 0)
                code = (
                    os.WEXITSTATUS(init_status)
                    if os.WIFEXITED(init_status)
                    else 128 + os.WTERMSIG(init_status)
                )
            except BaseException as exc:
                os.write(2, f"sandbox setup failed: {exc}\n".encode())
            finally:
                os._exit(code)
        for fd in (job_r, status_w, result_w, out_w, err_w):
            os.close(fd)

    def start(self, payload: bytes) -> None:
        """Hand the job over; raises OSError when the worker is gone."""
        view = memoryview(payload)
        while view:
            view = view[os.write(self.job_w, view) :]
        os.close(self.job_w)
        self.job_w = -1

    def discard(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.relay, signal.SIGKILL)
        ZOMBIES.append(self.relay)
        for fd in (self.job_w, self.status_r, self.result_r, self.out_r, self.err_r):
            if fd >= 0:
                os.close(fd)

    def collect(self, started: float) -> dict[str, Any]:
        limits = self.limits
        cap = int(limits["output_kb"]) * 1024
        result_r, out_r, err_r = self.result_r, self.out_r, self.err_r
        buffers = {
            result_r: bytearray(),
            out_r: bytearray(),
            err_r: bytearray(),
            self.status_r: bytearray(),
        }
        open_fds = set(buffers)
        status: str = "exited"
        deadline = started + float(limits["wall_seconds"])
        while open_fds:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                status = "timeout"
                break
            ready, _, _ = select.select(list(open_fds), [], [], remaining)
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    open_fds.discard(fd)
                    continue
                buffers[fd] += chunk
            if len(buffers[out_r]) + len(buffers[err_r]) > cap:
                status = "output"
                break
            if len(buffers[result_r]) > 4 * 1024 * 1024:
                status = "output"
                break
        if status != "exited":
            os.kill(self.relay, signal.SIGKILL)  # its PID 1 dies with it, and the namespace too
        ZOMBIES.append(self.relay)  # reaped later, off the reply's path
        reported = bytes(buffers[self.status_r])
        for fd in buffers:
            os.close(fd)
        exit_code = int(reported) if reported.isdigit() else 128 + signal.SIGKILL
        if status == "exited" and exit_code == 128 + signal.SIGXCPU:
            status = "cpu-limit"
        elif status == "exited" and exit_code == 128 + signal.SIGKILL and not buffers[result_r]:
            status = "killed"
        return {
            "status": status,
            "exit_code": exit_code,
            "records": buffers[result_r].decode("utf-8", "replace"),
            "stdout": buffers[out_r][-cap:].decode("utf-8", "replace"),
            "stderr": buffers[err_r][-cap:].decode("utf-8", "replace"),
            "wall_ms": round((time.monotonic() - started) * 1000, 2),
        }


WARM: list[Warm] = []
WARM_DEPTH = 1  # runs kept ready per slot, so back-to-back jobs find one set up
ZOMBIES: list[int] = []


def _reap() -> None:
    for pid in list(ZOMBIES):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            ZOMBIES.remove(pid)


def _run(job: dict[str, Any], limits: dict[str, Any], uid: int, base_mb: int) -> dict[str, Any]:
    """Give the job to a warm run (or a fresh one), and warm up the next runs meanwhile."""
    for stale in [w for w in WARM if w.limits != limits]:
        WARM.remove(stale)
        stale.discard()
    payload = json.dumps(job).encode()
    started = time.monotonic()
    run = WARM.pop(0) if WARM else Warm(limits, uid, base_mb)
    try:
        run.start(payload)
    except OSError:  # the warm worker died while it waited: start over once
        run.discard()
        run = Warm(limits, uid, base_mb)
        started = time.monotonic()
        run.start(payload)
    while len(WARM) < WARM_DEPTH:
        WARM.append(Warm(limits, uid, base_mb))
    result = run.collect(started)
    _reap()
    return result


def main() -> None:
    global SECCOMP_PROGRAM
    uid = int(sys.argv[1])
    SECCOMP_PROGRAM = seccomp.compile_filter()
    missing = _preload()
    base_mb = _vm_size_mb()
    reply = sys.stdout
    reply.write(json.dumps({"ready": True, "missing": missing, "base_mb": base_mb}) + "\n")
    reply.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            result = _run(request["job"], request["limits"], uid, base_mb)
        except Exception as exc:
            result = {"status": "internal", "detail": f"{type(exc).__name__}: {exc}"}
        reply.write(json.dumps(result) + "\n")
        reply.flush()
    for warm in WARM:
        warm.discard()
    for pid in ZOMBIES:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()

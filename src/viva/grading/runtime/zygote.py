"""The zygote: a pre-started interpreter inside bubblewrap that sets up one run per request.

It never receives, parses or references a job, nor any output of a run: a job would stay in
its memory (freed but not zeroed, or still referenced from a frame) and every later run is
forked from it. Viva's host process asks it over a SOCK_SEQPACKET socket (fd in argv) for a
warm run with given limits; the zygote sets the run up and hands the run's own descriptors
(job pipe, result, stdout and stderr pipes, the supervisor's socket, a pidfd of the run's
init) to the host with SCM_RIGHTS, then closes its copies. The host writes the job straight
to the waiting worker, reads the results straight from it and enforces the wall clock and
the output cap; it reuses the slot only once the init's pidfd says the run's PID namespace
is gone.

Per run:  zygote ── fork ──> relay (new mount/pid/net/ipc/uts namespaces; exits at once)
                               └─ fork ──> init, PID 1 of the run: fresh /tmp, /dev/shm and
                                           /proc; sums the memory of every process of the
                                           run and kills them all at the limit; reports the
                                           worker's end (exit code, CPU) to the host
                                             └─ fork ──> worker: rlimits, no uid 0 and no
                                                         capabilities, no new privileges,
                                                         seccomp, then the job and the code
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, "/sandbox/site")

import harness
import seccomp
import separate_forbid
import separate_spare
import testcode

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWIPC, CLONE_NEWUTS = 0x20000, 0x20000000, 0x8000000, 0x4000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 0x1, 0x2, 0x4, 0x20, 0x1000
MS_REC, MS_PRIVATE = 0x4000, 0x40000
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 4, 38, 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
LIBC = ctypes.CDLL(None, use_errno=True)
POLL_MS = 5  # how often the run's init measures the run's memory
PROCESSES = 64  # tasks (processes and threads) per run: RLIMIT_NPROC in the run's uid count
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


class Slot:
    """What every run of this zygote shares: set once at start, never touched by a job."""

    mode = "root"  # root: a uid per slot; user: unprivileged bubblewrap (user namespace)
    uid = 0
    seccomp_program = b""
    base_vm_mb = 0
    base_anon_kb = 0


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


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _close_all_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep | {65536}):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> None:
    """Unprivileged mode: the worker keeps its uid (the only one mapped), so shed every
    capability of the user namespace explicitly: bounding set, ambient, then all sets."""
    cap = 0
    while LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    LIBC.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(LIBC.capset(ctypes.byref(header), data), "capset")


def _worker(limits: dict[str, Any], result_w: int, job_r: int, prefork: bool) -> None:
    """Set up every restriction, then wait for the job: a warm worker is ready before its job
    arrives, so a run's latency is only the run."""
    os.chdir("/tmp")
    _close_all_except({result_w, job_r})
    cpu = max(1, int(limits["cpu_seconds"] + 0.999))
    memory = (Slot.base_vm_mb + int(limits["memory_mb"])) * 1024 * 1024
    for res, value in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_NPROC, (PROCESSES, PROCESSES)),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_FSIZE, (8 << 20, 8 << 20)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ):
        resource.setrlimit(res, value)
    if Slot.mode == "root":
        os.setgroups([])
        os.setresgid(Slot.uid, Slot.uid, Slot.uid)
        os.setresuid(Slot.uid, Slot.uid, Slot.uid)  # drops every capability too
    else:
        _drop_capabilities()
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    # Not dumpable: /proc/self/mem (however reached, e.g. through a symlink) is closed to the
    # run's own uid. Root mode got this from the uid change; unprivileged mode keeps its uid.
    _check(LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "not dumpable")
    seccomp.install(Slot.seccomp_program)
    os.environ.clear()
    os.environ.update({"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PATH": "/usr/bin"})
    spare = None
    if prefork:  # a job's first solution process (separate_spare.py), forked once the job
        # has arrived in the pipe and before any of it is read into this process
        select.select([job_r], [], [])
        spare = separate_spare.prefork([job_r, result_w], harness.serve_spare)
    with os.fdopen(job_r, "rb") as source:
        job = json.loads(source.read())
    with os.fdopen(result_w, "w") as out:
        harness.run(job, out, spare)


def _run_memory_kb(limit_kb: int) -> int:
    """Memory held by every process of the run (this PID namespace, /proc is the run's own).

    A cheap upper bound first (anonymous resident pages of each process, which counts a page
    shared copy-on-write once per process); only above the limit the exact figure: the
    proportional share (Pss) of anonymous and shared-memory pages."""
    pids = [p for p in os.listdir("/proc") if p.isdigit() and p != "1"]
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                fields = fh.read().split()
            total += (int(fields[1]) - int(fields[2])) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    if total <= limit_kb:
        return total
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith((b"Pss_Anon:", b"Pss_Shmem:", b"SwapPss:")):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _init(
    limits: dict[str, Any], result_w: int, job_r: int, supervisor: socket.socket, prefork: bool
) -> int:
    """PID 1 of the run's namespaces: private /tmp, /dev/shm and /proc; fork the worker,
    watch the run's memory, and report how the worker ended. When the host asks (or goes
    away), or at the memory limit, every process of the run is killed and reaped first."""
    LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # the run cannot read or steer its init
    _check(LIBC.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    tmp = b"size=16m,nr_inodes=4096,mode=1777"
    _check(LIBC.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, tmp), "mount /tmp")
    _check(LIBC.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV, None), "mount /proc")
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    _check(LIBC.mount(b"none", b"/dev", None, flags, None), "make /dev read-only")
    shm = b"size=4m,nr_inodes=256,mode=1777"
    _check(LIBC.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, shm), "mount shm")
    worker = os.fork()
    if worker == 0:
        try:
            supervisor.close()
            _worker(limits, result_w, job_r, prefork)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 70
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
        os._exit(code)
    for fd in (result_w, job_r, 1, 2):
        os.close(fd)
    limit_kb = int(limits["memory_mb"]) * 1024 + Slot.base_anon_kb
    pidfd = os.pidfd_open(worker)
    poller = select.poll()
    poller.register(supervisor.fileno(), select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    status, peak_kb = "exited", 0
    while True:
        events = dict(poller.poll(POLL_MS))
        if supervisor.fileno() in events:
            status = "killed"  # the host asked (wall clock, output), or it went away
            break
        used = _run_memory_kb(limit_kb)
        peak_kb = max(peak_kb, used)
        if used > limit_kb:
            status = "memory"
            break
        if pidfd in events:
            break
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)  # every process of the run but this one
    code, cpu_s = 128 + signal.SIGKILL, 0.0
    while True:
        try:
            pid, wstatus, usage = os.wait4(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == worker:
            code = os.waitstatus_to_exitcode(wstatus)
            code = -code + 128 if code < 0 else code
            cpu_s = usage.ru_utime + usage.ru_stime
    cpu_limit = max(1, int(limits["cpu_seconds"] + 0.999))
    # The kernel's CPU limit, as measured here (rusage lags the kernel's exact count a little)
    cpu_killed = code in (128 + signal.SIGXCPU, 128 + signal.SIGKILL)
    if status == "exited" and cpu_killed and cpu_s >= 0.9 * cpu_limit:
        status = "cpu-limit"
    cpu_ms = round(cpu_s * 1000, 1)
    _tell(supervisor, {"status": status, "exit_code": code, "cpu_ms": cpu_ms, "peak_kb": peak_kb})
    return 0


def _tell(supervisor: socket.socket, report: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        supervisor.send(json.dumps(report).encode())


def _warm(limits: dict[str, Any], prefork: bool) -> list[int]:
    """Set up one run and return the descriptors the host keeps for it; `prefork`: the
    host expects a job with tests apart (its worker forks a solution process ahead)."""
    job_r, job_w = os.pipe()
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    host_end, init_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid_in, pid_out = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    relay = os.fork()
    if relay == 0:  # the relay: new namespaces, then PID 1 of them, then gone
        code = 72
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            # Drop every other descriptor, above all other runs' pipes and the host socket.
            _close_all_except({job_r, result_w, init_end.fileno(), pid_out.fileno()})
            flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
            _check(LIBC.unshare(flags), "unshare")
            init = os.fork()
            if init == 0:
                code = 73
                try:
                    pid_out.close()
                    code = _init(limits, result_w, job_r, init_end, prefork)
                except BaseException as exc:
                    _tell(init_end, {"status": "internal", "detail": str(exc)})
                finally:
                    os._exit(code)
            # The init's pidfd, for the host: readable only once the init has exited, and an
            # init exits only after the kernel has reaped every task of its PID namespace.
            socket.send_fds(pid_out, [b"init"], [os.pidfd_open(init)])
            code = 0
        except BaseException as exc:
            _tell(init_end, {"status": "internal", "detail": str(exc)})
        finally:
            os._exit(code)
    for fd in (job_r, result_w, out_w, err_w):
        os.close(fd)
    init_end.close()
    pid_out.close()
    with pid_in:
        _message, pidfds, _flags, _addr = socket.recv_fds(pid_in, 16, 1)
    if len(pidfds) != 1:
        for fd in (job_w, result_r, out_r, err_r, *pidfds):
            os.close(fd)
        host_end.close()
        raise OSError("the run's init did not start")
    return [job_w, result_r, out_r, err_r, host_end.detach(), pidfds[0]]


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    Slot.mode, Slot.uid = sys.argv[2], int(sys.argv[3])
    Slot.seccomp_program = seccomp.compile_filter()
    missing = _preload()
    testcode.know_classes()  # before any job: the classes a comparison may meet (see harness)
    separate_forbid.index_module_names()  # what solution_without takes out
    Slot.base_vm_mb = _status_kb("VmSize") // 1024
    Slot.base_anon_kb = _status_kb("RssAnon")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # relays exit at once; the kernel reaps them
    hello = {"ready": True, "missing": missing, "base_mb": Slot.base_vm_mb}
    control.send(json.dumps(hello).encode())
    while True:
        try:
            message = control.recv(4096)
        except InterruptedError:
            continue
        if not message:
            break  # Viva went away
        try:
            request = json.loads(message)
            fds = _warm(request["limits"], request.get("spare") is True)
        except Exception as exc:
            control.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            continue
        try:
            socket.send_fds(control, [b'{"ok": true}'], fds)
        finally:
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    main()

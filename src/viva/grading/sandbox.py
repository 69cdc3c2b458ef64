"""The sandbox: a pool of bubblewrap zygotes, one per concurrent slot, each with its own uid.

bubblewrap gives the zygote a read-only view of the interpreter and of the packages graded
code may import, nothing of /etc, /home, the project or Viva's data, no network, and its own
PID/IPC/UTS namespaces. The zygote forks a run into further namespaces with limits and
seccomp (see runtime/zygote.py). Nothing here falls back silently to running code unisolated.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge import RunOutcome, RunStatus, authenticated, parse_records
from viva.grading.runners import RUNTIME_DIR

# Packages graded code may import; the sandbox sees them and whatever they import.
ALLOWED_PACKAGES = (
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
    "python_multipart",
)


class SandboxUnavailable(RuntimeError):
    """The host cannot isolate code; grading is refused (see `viva doctor`)."""


class SlotBusy(OSError):
    """A slot's previous run has not ended yet (its processes are still being killed)."""


@dataclass(frozen=True)
class SandboxConfig:
    slots: int = 2
    uid_base: int = 61000
    # How long the host waits for a killed run's init to report that it has reaped the run
    # (the slot's next run waits for the init itself to be gone in any case, see `_Run.gone`)
    kill_seconds: float = 5.0


def _package_roots() -> list[Path]:
    """Top-level files and folders in site-packages that the allowed packages load."""
    script = (
        "import importlib, json, sys, sysconfig\n"
        f"for name in {ALLOWED_PACKAGES!r}:\n"
        "    try: importlib.import_module(name)\n"
        "    except Exception: pass\n"
        "from importlib import metadata\n"
        "roots = set(); site = sysconfig.get_paths()['purelib']\n"
        "for m in list(sys.modules.values()):\n"
        "    f = getattr(m, '__file__', None) or ''\n"
        "    if f.startswith(site + '/'):\n"
        "        roots.add(f[len(site) + 1:].split('/')[0])\n"
        "dists = metadata.packages_distributions()\n"
        "for r in list(roots):\n"
        "    for d in dists.get(r.removesuffix('.py'), []):\n"
        "        p = str(getattr(metadata.distribution(d), '_path', ''))\n"
        "        if p.startswith(site + '/'): roots.add(p[len(site) + 1:])\n"
        "print(json.dumps([site, sorted(roots)]))\n"
    )  # the packages' metadata too: some read their own version at import
    out = subprocess.run(
        [sys.executable, "-I", "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    site, roots = json.loads(out)
    return [Path(site) / r for r in roots if not r.endswith((".pth", "__pycache__"))]


def mode() -> str:
    """How this host isolates runs: "root" (bubblewrap as root, a uid per slot) or "user"
    (unprivileged bubblewrap in a user namespace, one per slot, which also counts each slot's
    processes apart). SandboxUnavailable, with the fix for this host, when neither works."""
    if os.geteuid() == 0:
        return "root"
    problem = _userns_problem()
    if problem:
        raise SandboxUnavailable(problem)
    return "user"


@functools.cache
def _userns_problem() -> str:
    """Empty when unprivileged bubblewrap works here; otherwise what fails and how to fix it."""
    if not sys.platform.startswith("linux"):
        return (
            f"grading needs Linux namespaces, which {sys.platform} does not have; "
            "fix: run Viva in its container image (see the README's platform table)"
        )
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap is not installed; fix: apt-get install bubblewrap (dnf on Fedora)"
    probe_argv = [bwrap, "--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net"]
    probe_argv += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib"]
    probe_argv += ["--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin"]
    probe_argv += ["--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/true"]
    try:
        proc = subprocess.run(probe_argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not run ({exc}); fix: reinstall bubblewrap (>= 0.8)"
    if proc.returncode == 0:
        return ""
    return (
        f"unprivileged bubblewrap cannot create a user namespace as uid {os.getuid()} "
        f"({proc.stderr.strip()[-200:]}); fix: {_userns_fix()}"
    )


def _sysctl(name: str) -> str:
    try:
        return Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return ""


def _userns_fix() -> str:
    if _sysctl("kernel.unprivileged_userns_clone") == "0":
        return (
            "sudo sysctl -w kernel.unprivileged_userns_clone=1 "
            "(and put it in /etc/sysctl.d/ to keep it after a reboot)"
        )
    if _sysctl("user.max_user_namespaces") == "0":
        return "sudo sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)"
    if _sysctl("kernel.apparmor_restrict_unprivileged_userns") == "1":
        return (
            "AppArmor restricts user namespaces (Ubuntu 23.10+): give bwrap a profile with "
            "`userns,` in /etc/apparmor.d/bwrap, or sudo sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0"
        )
    return (
        "check `bwrap --unshare-user --ro-bind / / true`; if user namespaces are disabled "
        "here (e.g. inside a container), run Viva as root in its container image"
    )


def bwrap_argv(uid: int, entry: list[str] | None = None, *, control_fd: int = -1) -> list[str]:
    """The bubblewrap command of a slot. `entry` replaces the zygote (script and arguments, run
    by the same interpreter): another runtime, e.g. the SQLite worker, which gets
    /sandbox/runtime but not the packages graded Python code may import. The zygote gets
    the control socket `control_fd` (kept open by bubblewrap)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    sandbox_mode = mode()
    python = os.path.realpath(sys.executable)
    options = [
        # No --die-with-parent: it is tied to the creating *thread*, and worker threads come
        # and go. The zygote exits instead when its control socket closes (Viva went away).
        ["--new-session", "--clearenv"],
        ["--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-pid"],
        ["--unshare-cgroup-try"],
        # Unprivileged: the slot's own user namespace (its processes are counted apart from
        # every other slot's for RLIMIT_NPROC), in which no run may create another.
        ["--unshare-user", "--disable-userns"] if sandbox_mode == "user" else [],
        ["--setenv", "LANG", "C.UTF-8"],
        ["--setenv", "PYTHONDONTWRITEBYTECODE", "1"],
        ["--setenv", "MALLOC_ARENA_MAX", "2"],  # threads must not each reserve a 64 MB arena
        ["--ro-bind", "/usr", "/usr"],
        ["--symlink", "usr/lib", "/lib"],
        ["--symlink", "usr/lib64", "/lib64"],
        ["--symlink", "usr/bin", "/bin"],
        ["--symlink", "usr/sbin", "/sbin"],
        ["--proc", "/proc"],
        ["--dev", "/dev"],
        ["--tmpfs", "/tmp"],
    ]
    argv = [bwrap, *(arg for group in options for arg in group)]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr"):
        # bwrap would create the missing parents (e.g. /root) closed to the slot uid
        parents = [p for p in Path(prefix).parents if str(p) != "/"][::-1]
        for parent in parents:
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", prefix, prefix]
        stdlib_site = os.path.realpath(sysconfig.get_paths(vars={"base": prefix})["purelib"])
        if os.path.isdir(stdlib_site):
            argv += ["--tmpfs", stdlib_site]  # the interpreter's own site-packages stay hidden
    argv += ["--perms", "0755", "--dir", "/sandbox", "--perms", "0755", "--dir", "/sandbox/site"]
    for root in _package_roots_cached() if entry is None else []:
        argv += ["--ro-bind", str(root), f"/sandbox/site/{root.name}"]
    argv += ["--ro-bind", str(RUNTIME_DIR), "/sandbox/runtime"]
    # The root tmpfs (in unprivileged mode owned by the run's own uid) is no place to write.
    argv += ["--remount-ro", "/"]
    # The zygote needs them to mount and to shed them (root: dropping to the slot uid); in
    # unprivileged mode they are the capabilities of the slot's user namespace only.
    argv += ["--cap-add", "ALL"]
    if entry is None:
        entry = ["/sandbox/runtime/zygote.py", str(control_fd), sandbox_mode, str(uid)]
    argv += ["--", python, "-I", "-S", "-B", *entry]
    return argv


_ROOTS: list[Path] | None = None
_ROOTS_LOCK = threading.Lock()


def _package_roots_cached() -> list[Path]:
    global _ROOTS
    with _ROOTS_LOCK:
        if _ROOTS is None:
            _ROOTS = _package_roots()
        return _ROOTS


START_SECONDS = 120.0  # importing the allowed packages on a cold, busy machine
SETUP_SECONDS = 30.0  # a warm run is set up in milliseconds
REAP_SECONDS = 30.0  # at most, for a run's PID namespace to be gone before the slot's next run
MAX_RESULT_BYTES = 4 * 1024 * 1024
MAX_RECORDS = 10_000  # the harness writes one per test: a flood of tiny ones is output too


class _Run:
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


class Zygote:
    """One slot: a bubblewrap zygote that sets runs up, and the host's end of each run."""

    def __init__(self, uid: int, kill_seconds: float = 5.0) -> None:
        self.uid = uid
        self.kill_seconds = kill_seconds
        host_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (the zygote's life long)
        try:
            argv = bwrap_argv(uid, control_fd=zygote_end.fileno())
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                pass_fds=(zygote_end.fileno(),),
            )
        except BaseException:
            host_end.close()
            self._log.close()
            raise
        finally:
            zygote_end.close()
        self.control = host_end
        self.control.settimeout(START_SECONDS)
        try:
            hello = self.control.recv(65536)
        except OSError:
            hello = b""
        if not hello:
            detail = self._log_tail()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start: {detail}")
        info = json.loads(hello)
        self.base_mb = int(info["base_mb"])
        self.missing = list(info["missing"])
        self.control.settimeout(SETUP_SECONDS)
        self._pending: str | None = None  # limits of the next warm run, requested ahead
        self._ending: list[_Run] = []  # closed runs whose PID namespace may not be gone yet

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-500:]

    def _request(self, key: str) -> None:
        self.control.send(json.dumps({"limits": json.loads(key)}).encode())

    def _receive(self, key: str) -> _Run:
        message, fds, _flags, _addr = socket.recv_fds(
            self.control, 4096, 8, socket.MSG_CMSG_CLOEXEC
        )
        if not message:
            for fd in fds:
                os.close(fd)
            raise OSError("the zygote died")
        reply = json.loads(message)
        if not reply.get("ok") or len(fds) != 6:
            for fd in fds:
                os.close(fd)
            raise OSError(f"the zygote could not set up a run: {reply.get('error', reply)}")
        return _Run(key, fds)

    def _take(self, key: str) -> _Run:
        """A warm run with these limits; asks for the next one, which warms up meanwhile."""
        run = None
        if self._pending is not None:
            pending, self._pending = self._pending, None
            warm = self._receive(pending)
            if pending == key:
                run = warm
            else:
                self._end(warm)  # stale limits: its init sees the socket close and ends it
        if run is None:
            self._request(key)
            run = self._receive(key)
        self._request(key)
        self._pending = key
        return run

    def _end(self, run: _Run) -> None:
        """Close a run and wait until its PID namespace is gone: the slot's uid is shared by
        all its runs, and tasks of a run still being killed would count against the next
        run's process limit (a run that starts threads would fail to). A run not gone in
        time is waited for again before the slot's next run."""
        run.close()
        self._ending.append(run)
        with contextlib.suppress(SlotBusy):
            self._settle(REAP_SECONDS)

    def _settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._ending:
            if not self._ending[0].gone(deadline - time.monotonic()):
                raise SlotBusy("a previous run of this slot is still being killed")
            self._ending.pop(0)

    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome:
        self._settle(REAP_SECONDS)  # nothing of an earlier run is left in the slot
        nonce = secrets.token_hex(16)  # in every record the harness writes
        payload = json.dumps({**job, "nonce": nonce}).encode()
        key = json.dumps(limits.model_dump(), sort_keys=True)
        run = self._take(key)
        try:
            return _supervise(run, payload, limits, nonce, self.kill_seconds)
        except BrokenPipeError:  # the warm worker died while it waited: start over once
            self._end(run)
            run = self._take(key)
            try:
                return _supervise(run, payload, limits, nonce, self.kill_seconds)
            except BrokenPipeError:
                run.supervisor.settimeout(1.0)
                why = (_report(run.supervisor) or {}).get("detail", "the worker did not start")
                raise OSError(f"the run could not be set up: {why}") from None
        finally:
            self._end(run)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        for ending in self._ending:
            with contextlib.suppress(OSError):
                os.close(ending.pidfd)
        self._ending.clear()
        self.control.close()  # the zygote exits when it sees the socket close
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()


def _supervise(
    run: _Run, payload: bytes, limits: Limits, nonce: str, kill_seconds: float
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
                report = _report(run.supervisor)
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
        detail=detail or _status_detail(status, limits),
        test_ms=_test_ms(arrivals, begun[0] if begun else started),
    )


def _report(supervisor: socket.socket) -> dict[str, Any] | None:
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
        return _report(supervisor)
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


class SandboxRunner:
    """Runs jobs on a pool of zygotes; thread-safe; call from worker threads, not the loop."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.mode = mode()
        self._free: queue.Queue[Zygote] = queue.Queue()
        self._all: list[Zygote] = []
        try:
            for slot in range(self.config.slots):
                zygote = Zygote(self.config.uid_base + slot, self.config.kill_seconds)
                self._all.append(zygote)
                self._free.put(zygote)
        except BaseException:
            self.close()
            raise

    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome:
        zygote = self._free.get()
        try:
            if not zygote.alive():
                zygote = self._replace(zygote)
            try:
                return zygote.run(job, limits)
            except SlotBusy as exc:  # a new zygote would have the same uid: keep waiting
                return RunOutcome(RunStatus.INTERNAL, [], detail=f"sandbox failure: {exc}")
            except (OSError, ValueError) as exc:
                zygote = self._replace(zygote)
                return RunOutcome(RunStatus.INTERNAL, [], detail=f"sandbox failure: {exc}")
        finally:
            self._free.put(zygote)

    def zygote_pids(self) -> list[int]:
        """The host pids of the slots' bubblewrap processes (for checks of what outlives runs)."""
        return [zygote.proc.pid for zygote in self._all]

    def _replace(self, dead: Zygote) -> Zygote:
        dead.close()
        fresh = Zygote(dead.uid, dead.kill_seconds)
        self._all[self._all.index(dead)] = fresh
        return fresh

    def close(self) -> None:
        for zygote in self._all:
            zygote.close()


def _status_detail(status: RunStatus, limits: Limits) -> str:
    return {
        RunStatus.TIMEOUT: f"the program ran longer than {limits.wall_seconds:g} s (wall clock)",
        RunStatus.CPU_LIMIT: f"the program used more than {limits.cpu_seconds:g} s of CPU",
        RunStatus.OUTPUT: f"the program printed more than {limits.output_kb} KB",
        RunStatus.MEMORY: f"the program used more than {limits.memory_mb} MB",
    }.get(status, "")


@dataclass(frozen=True)
class Check:
    """One isolation feature as `viva doctor` reports it."""

    name: str
    passed: bool
    meaning: str  # what it is for, and what was found
    fix: str = ""  # the exact fix for this host when it failed


def available() -> tuple[bool, str]:
    """Whether this host can grade code (cheap: starts no sandbox); if not, the reason and
    the fix, in one sentence for a start-up line, a challenge page or a 503."""
    if shutil.which("bwrap") is None:
        return False, "grading is unavailable: " + _bwrap_missing()
    try:
        mode()
    except SandboxUnavailable as exc:
        return False, f"grading is unavailable: {exc}"
    return True, ""


def _bwrap_missing() -> str:
    if not sys.platform.startswith("linux"):
        return (
            f"bubblewrap needs Linux and this is {sys.platform}; fix: run Viva in its "
            "container image (see the README's platform table)"
        )
    return "bubblewrap is not installed; fix: apt-get install bubblewrap (dnf on Fedora)"


_PROBES: dict[str, tuple[str, str, Limits]] = {
    # name: (program defining probe(), what it must return, limits)
    "network isolation": (
        "import socket\ndef probe():\n    try:\n"
        "        socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "        return 'connected'\n    except OSError:\n        pass\n"
        "    with open('/proc/net/unix') as fh:\n"
        "        return 'refused' if len(fh.readlines()) == 1 else 'shared'\n",
        "refused",
        Limits(),
    ),
    "namespaces refused to runs (seccomp)": (
        "import ctypes\ndef probe():\n    libc = ctypes.CDLL(None)\n"
        "    libc.syscall.restype = ctypes.c_long\n"
        "    pid = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\n"
        "    if pid == 0:\n        import os; os._exit(0)\n"
        "    return 'refused' if pid < 0 else 'created'\n",
        "refused",
        Limits(),
    ),
    "private filesystem": (
        "import os\ndef probe():\n"
        f"    paths = ('/etc/passwd', '/home', '/var', {str(RUNTIME_DIR.parents[3])!r})\n"
        "    seen = [p for p in paths if os.path.exists(p)]\n"
        "    return 'private' if not seen else ' '.join(seen)\n",
        "private",
        Limits(),
    ),
    "process limiting": (
        "import os, time\ndef probe():\n    n = 0\n    try:\n        for _ in range(500):\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(5)\n                os._exit(0)\n"
        "            n += 1\n    except OSError:\n        pass\n"
        "    return 'capped' if n < 100 else f'{n} processes'\n",
        "capped",
        Limits(wall_seconds=10),
    ),
    "memory limiting (per run)": (
        "import os, time\ndef probe():\n    for _ in range(6):\n        if os.fork() == 0:\n"
        "            hold = b'x' * (20 << 20)\n            time.sleep(3)\n            os._exit(0)\n"
        "    time.sleep(3)\n    return 'not stopped'\n",
        "",  # the run must end with RunStatus.MEMORY
        Limits(memory_mb=64, wall_seconds=10),
    ),
}
_PROBE_MEANING = {
    "network isolation": "runs reach no network, not even loopback; a fresh namespace per run",
    "namespaces refused to runs (seccomp)": "a run cannot make namespaces or mounts",
    "private filesystem": "runs see the interpreter and allowed packages, no /etc, /home",
    "process limiting": "a fork or thread bomb is capped per run (RLIMIT_NPROC per slot)",
    "memory limiting (per run)": "the run's init sums the memory of all its processes",
}


def probe(uid_base: int = 61000) -> list[Check]:
    """Every isolation feature with pass or fail, what it means, and the fix for this host:
    the host (platform, bubblewrap, root or user namespaces, seccomp), then a one-slot
    sandbox that is started and attacked the way a hostile run would."""
    linux = sys.platform.startswith("linux")
    checks = [
        Check(
            "Linux",
            linux,
            f"namespaces and seccomp need Linux (this is {sys.platform})",
            "" if linux else "run Viva in its container image (see the README's platform table)",
        )
    ]
    bwrap = shutil.which("bwrap")
    version = ""
    if bwrap:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            version = subprocess.run(
                [bwrap, "--version"], capture_output=True, text=True, timeout=10
            ).stdout.strip()
    missing = "" if bwrap else _bwrap_missing()
    checks.append(Check("bubblewrap", bwrap is not None, version or "not found", missing))
    if os.geteuid() == 0:
        checks.append(Check("mode", True, "root: each slot runs code as its own uid"))
    else:
        problem = _userns_problem() if bwrap else "bubblewrap is missing"
        checks.append(
            Check(
                "user namespaces (unprivileged mode)",
                not problem,
                "not root: bubblewrap isolates through a user namespace per slot"
                + (f"; {problem.split('; fix: ')[0]}" if problem else ""),
                problem.split("; fix: ")[-1] if problem else "",
            )
        )
    checks.append(_seccomp_check())
    if not all(c.passed for c in checks):
        return checks
    try:
        runner = SandboxRunner(SandboxConfig(slots=1, uid_base=uid_base))
    except (SandboxUnavailable, OSError) as exc:
        checks.append(Check("sandbox starts", False, str(exc), "see the failure above"))
        return checks
    try:
        checks.append(Check("sandbox starts", True, f"{runner.mode} mode, warm runs ready"))
        for name, (source, want, limits) in _PROBES.items():
            job: dict[str, Any] = {
                "source": source,
                "tests": [{"id": 0, "kind": "call", "call": "probe"}],
            }
            # A probe that needs ctypes tests the kernel's refusal, below the harness's guard.
            job["guard"] = "ctypes" not in source
            outcome = runner.run(job, limits)
            got = next((r for r in outcome.records if r.get("test") == 0), {})
            steps = got.get("steps") or [{}]
            value = steps[0].get("value") if isinstance(steps[0], dict) else None
            passed = outcome.status == RunStatus.MEMORY if not want else value == want
            found = "" if passed else f" (found: {value or outcome.status})"
            fix = "" if passed else "report this: the sandbox should enforce it on any Linux"
            checks.append(Check(name, passed, _PROBE_MEANING[name] + found, fix))
    finally:
        runner.close()
    return checks


def _seccomp_check() -> Check:
    import importlib.util

    meaning = "system calls a graded program has no business making are refused"
    spec = importlib.util.spec_from_file_location("_viva_seccomp", RUNTIME_DIR / "seccomp.py")
    try:
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        size = len(module.compile_filter()) // 8
    except Exception as exc:  # a missing libseccomp shows up as OSError or AttributeError
        fix = "apt-get install libseccomp2 (dnf install libseccomp on Fedora)"
        return Check("seccomp", False, f"{meaning}; libseccomp failed: {exc}", fix)
    return Check("seccomp", True, f"{meaning} ({size} BPF instructions)")

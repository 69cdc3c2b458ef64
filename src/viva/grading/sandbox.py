"""The sandbox: a pool of bubblewrap zygotes, one per concurrent slot, each with its own uid.

bubblewrap gives the zygote a read-only view of the interpreter and of the packages graded
code may import, nothing of /etc, /home, the project or Viva's data, no network, and its own
PID/IPC/UTS namespaces. The zygote forks a run into further namespaces with limits and
seccomp (see runtime/zygote.py). Nothing here falls back silently to running code unisolated.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge import RunOutcome, RunStatus, parse_records
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


@dataclass(frozen=True)
class SandboxConfig:
    slots: int = 2
    uid_base: int = 61000


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


def bwrap_argv(uid: int, entry: list[str] | None = None) -> list[str]:
    """The bubblewrap command of a slot. `entry` replaces the zygote (script and arguments, run
    by the same interpreter): another runtime, e.g. the SQLite worker, which gets
    /sandbox/runtime but not the packages graded Python code may import."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap is not installed (apt-get install bubblewrap)")
    python = os.path.realpath(sys.executable)
    options = [
        # No --die-with-parent: it is tied to the creating *thread*, and worker threads come
        # and go. The zygote exits instead when its stdin closes, i.e. when Viva goes away.
        ["--new-session", "--clearenv"],
        ["--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-pid"],
        ["--unshare-cgroup-try"],
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
    if os.geteuid() == 0:
        argv += ["--cap-add", "ALL"]  # the zygote needs them to mount and to drop to the slot uid
    else:
        raise SandboxUnavailable(
            "grading needs root to give each run its own uid (RLIMIT_NPROC is per uid); "
            "run Viva as root in a container, or set VIVA_SANDBOX=none for trusted single-user use"
        )
    entry = entry if entry is not None else ["/sandbox/runtime/zygote.py", str(uid)]
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


class Zygote:
    def __init__(self, uid: int) -> None:
        self.uid = uid
        self.proc = subprocess.Popen(
            bwrap_argv(uid),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        hello = self.proc.stdout.readline()
        if not hello:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise SandboxUnavailable(f"the sandbox did not start: {err.strip()[-500:]}")
        info = json.loads(hello)
        self.base_mb = int(info["base_mb"])
        self.missing = list(info["missing"])

    def run(self, job: dict[str, Any], limits: Limits) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"job": job, "limits": limits.model_dump()}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise OSError("the zygote died")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


class SandboxRunner:
    """Runs jobs on a pool of zygotes; thread-safe; call from worker threads, not the loop."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._free: queue.Queue[Zygote] = queue.Queue()
        self._all: list[Zygote] = []
        for slot in range(self.config.slots):
            zygote = Zygote(self.config.uid_base + slot)
            self._all.append(zygote)
            self._free.put(zygote)

    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome:
        zygote = self._free.get()
        if not zygote.alive():
            zygote = self._replace(zygote)
        try:
            try:
                reply = zygote.run(job, limits)
            except (OSError, ValueError) as exc:
                zygote = self._replace(zygote)
                return RunOutcome(RunStatus.INTERNAL, [], detail=f"sandbox failure: {exc}")
        finally:
            self._free.put(zygote)
        status = RunStatus(reply.get("status", "internal"))
        return RunOutcome(
            status=status,
            records=parse_records(reply.get("records", "")),
            stdout=reply.get("stdout", ""),
            stderr=reply.get("stderr", ""),
            exit_code=reply.get("exit_code"),
            wall_ms=float(reply.get("wall_ms", 0)),
            detail=reply.get("detail", "") or _status_detail(status, limits),
        )

    def _replace(self, dead: Zygote) -> Zygote:
        dead.close()
        fresh = Zygote(dead.uid)
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

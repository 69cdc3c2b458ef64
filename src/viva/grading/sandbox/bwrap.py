"""The bubblewrap command of a sandbox slot: a read-only view of the interpreter and of the
packages graded code may import, nothing of /etc, /home, the project or Viva's data, no
network, and its own PID/IPC/UTS namespaces (and user namespace, unprivileged)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from viva.grading.runners import RUNTIME_DIR
from viva.grading.sandbox.host import SandboxUnavailable, mode

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
        # One malloc arena: a second reserves 64 MB of the run's address space, where each
        # thread's stack goes too (at 128 MB a run could start 7 threads, not 15)
        ["--setenv", "MALLOC_ARENA_MAX", "1"],
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

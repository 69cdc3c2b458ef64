"""`viva doctor`: every isolation feature with pass or fail, what it means and the fix for
this host, found by starting a one-slot sandbox and attacking it as a hostile run would."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunStatus
from viva.grading.runners import RUNTIME_DIR
from viva.grading.sandbox.host import SandboxUnavailable, bwrap_missing, userns_problem
from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner


@dataclass(frozen=True)
class Check:
    """One isolation feature as `viva doctor` reports it."""

    name: str
    passed: bool
    meaning: str  # what it is for, and what was found
    fix: str = ""  # the exact fix for this host when it failed


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
    missing = "" if bwrap else bwrap_missing()
    checks.append(Check("bubblewrap", bwrap is not None, version or "not found", missing))
    if os.geteuid() == 0:
        checks.append(Check("mode", True, "root: each slot runs code as its own uid"))
    else:
        problem = userns_problem() if bwrap else "bubblewrap is missing"
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

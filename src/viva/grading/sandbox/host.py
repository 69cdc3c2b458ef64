"""What this host can isolate graded code with: root or unprivileged bubblewrap, and the
exact fix when neither works (for `viva doctor`, a start-up line, a challenge page or a 503)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path


class SandboxUnavailable(RuntimeError):
    """The host cannot isolate code; grading is refused (see `viva doctor`)."""


def mode() -> str:
    """How this host isolates runs: "root" (bubblewrap as root, a uid per slot) or "user"
    (unprivileged bubblewrap in a user namespace, one per slot, which also counts each slot's
    processes apart). SandboxUnavailable, with the fix for this host, when neither works."""
    if os.geteuid() == 0:
        return "root"
    problem = userns_problem()
    if problem:
        raise SandboxUnavailable(problem)
    return "user"


@functools.cache
def userns_problem() -> str:
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


def available() -> tuple[bool, str]:
    """Whether this host can grade code (cheap: starts no sandbox); if not, the reason and
    the fix, in one sentence for a start-up line, a challenge page or a 503."""
    if shutil.which("bwrap") is None:
        return False, "grading is unavailable: " + bwrap_missing()
    try:
        mode()
    except SandboxUnavailable as exc:
        return False, f"grading is unavailable: {exc}"
    return True, ""


def bwrap_missing() -> str:
    if not sys.platform.startswith("linux"):
        return (
            f"bubblewrap needs Linux and this is {sys.platform}; fix: run Viva in its "
            "container image (see the README's platform table)"
        )
    return "bubblewrap is not installed; fix: apt-get install bubblewrap (dnf on Fedora)"

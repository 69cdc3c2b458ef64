"""Grading tests run on the real bubblewrap sandbox: as root (a uid per slot) or, for anyone
else, unprivileged through user namespaces (bwrap needed; CI has it)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import uid_base, unavailable
from viva.grading.challenges import CHALLENGES_DIR, Challenge, load_challenge
from viva.grading.sandbox.host import SandboxUnavailable
from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner

# Each xdist worker (and each named VIVA_TEST_RUN) gets its own slot uids, so one worker's
# checks never see another's runs.
SLOTS = 2
UID_BASE = uid_base(0)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxRunner]:
    if shutil.which("bwrap") is None:
        unavailable("bubblewrap not installed")
    try:
        runner = SandboxRunner(SandboxConfig(slots=SLOTS, uid_base=UID_BASE))
    except SandboxUnavailable as exc:
        unavailable(f"sandbox unavailable: {exc}")
    yield runner
    runner.close()


def kernel_job(job: dict[str, Any]) -> dict[str, Any]:
    """A program that reaches the kernel through ctypes (raw system calls, libc) runs without
    the harness's guard, which refuses ctypes: what such a test checks is the kernel's own
    refusal (seccomp, namespaces, rlimits), the layer below the guard."""
    return {**job, "guard": "ctypes" not in job["source"]}


@pytest.fixture(scope="session")
def palindrome() -> Challenge:
    return load_challenge(CHALLENGES_DIR / "palindrome")


def sandbox_processes(runner: SandboxRunner, *, with_inits: bool = False) -> list[int]:
    """Host pids of the runs' workers and of whatever they started: every process below the
    runner's bubblewrap slots that is in a run's own PID namespace (three levels deep) and,
    unless `with_inits`, is not that namespace's init. The same in root and in unprivileged
    mode."""
    parents: dict[int, int] = {}
    depth: dict[int, tuple[int, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        pid = int(entry)
        parents[pid] = int(fields.get("PPid", "0").split()[0] or 0)
        nspid = fields.get("NSpid", "").split()
        depth[pid] = (len(nspid), int(nspid[-1]) if nspid else 0)
    slots = set(runner.zygote_pids())

    def below_a_slot(pid: int) -> bool:
        for _ in range(64):
            pid = parents.get(pid, 0)
            if pid in slots:
                return True
            if pid <= 1:
                return False
        return False

    return [
        pid
        for pid, (levels, inner) in depth.items()
        if levels >= 3 and (with_inits or inner != 1) and below_a_slot(pid)
    ]


def zygote_processes(runner: SandboxRunner) -> list[int]:
    """Host pids of the slots' zygotes (the interpreter bubblewrap starts in each slot)."""
    slots = set(runner.zygote_pids())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        parent = int(fields.get("PPid", "0").split()[0] or 0)
        grandparent = 0
        with contextlib.suppress(OSError, ValueError):
            grandparent = int(Path(f"/proc/{parent}/stat").read_text().rsplit(")", 1)[1].split()[1])
        nspid = fields.get("NSpid", "").split()
        # In the slot's PID namespace (not a run's), and not bubblewrap's own init there
        in_slot = len(nspid) == 2 and nspid[-1] != "1"
        zygote = b"/sandbox/runtime/zygote.py" in cmdline[1:] and in_slot
        if zygote and slots & {parent, grandparent}:
            found.append(int(entry))
    return found

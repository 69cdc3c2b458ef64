"""Grading tests run on the real bubblewrap sandbox: as root (a uid per slot) or, for anyone
else, unprivileged through user namespaces (bwrap needed; CI has it)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import uid_base, unavailable
from viva.grading.challenges import CHALLENGES_DIR, Challenge, load_challenge
from viva.grading.sandbox import SandboxConfig, SandboxRunner, SandboxUnavailable

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


@pytest.fixture(scope="session")
def palindrome() -> Challenge:
    return load_challenge(CHALLENGES_DIR / "palindrome")


def sandbox_processes(runner: SandboxRunner) -> list[int]:
    """Host pids of the runs' workers and of whatever they started: every process below the
    runner's bubblewrap slots that is in a run's own PID namespace (three levels deep) and
    is not that namespace's init. The same in root and in unprivileged mode."""
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
        if levels >= 3 and inner != 1 and below_a_slot(pid)
    ]

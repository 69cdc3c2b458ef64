"""Grading tests run on the real bubblewrap sandbox (root and bwrap needed; CI has both)."""

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


def sandbox_processes() -> list[int]:
    """Host pids running under this worker's slot uids."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
        except FileNotFoundError:
            continue
        if UID_BASE <= uid < UID_BASE + 10:
            pids.append(int(entry))
    return pids

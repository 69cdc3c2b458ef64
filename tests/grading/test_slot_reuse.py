"""A slot is reused only when nothing of its previous run is left.

Every run of a slot has the slot's uid, and RLIMIT_NPROC counts every task of that uid: a
run still being killed (a thread or fork bomb that ran out of time, a warm run dropped for
stale limits) would take the next run's threads. The host waits for the init of each run it
closes (a pidfd: an init exits only after its whole PID namespace is reaped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import uid_base, unavailable
from tests.grading.conftest import SLOTS, sandbox_processes
from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunStatus
from viva.grading.sandbox.host import SandboxUnavailable
from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner

BOMB = (
    "import os, threading, time\n"
    "def bomb():\n"
    "    for _ in range(16):\n"
    "        try:\n"
    "            if os.fork() == 0:\n"
    "                while True:\n"
    "                    try: threading.Thread(target=time.sleep, args=(60,)).start()\n"
    "                    except RuntimeError: time.sleep(0.01)\n"
    "        except OSError: pass\n"
    "    while True:\n"
    "        try: threading.Thread(target=time.sleep, args=(60,)).start()\n"
    "        except RuntimeError: time.sleep(0.01)\n"
)
THREADS = (
    "import threading\n"
    "def threads():\n"
    "    done = []\n"
    "    ts = [threading.Thread(target=done.append, args=(1,)) for _ in range(32)]\n"
    "    for t in ts: t.start()\n"
    "    for t in ts: t.join()\n"
    "    return len(done)\n"
)


def _job(source: str, call: str) -> dict[str, object]:
    return {"source": source, "tests": [{"id": 0, "kind": "call", "call": call}]}


def _left(runner: SandboxRunner) -> list[int]:
    """Every process of every run still alive, the runs' inits included. A run's init that
    has exited is a zombie until the slot's bubblewrap init reaps it: its namespace is
    already empty (the host waited for that) and it holds no memory, so it is not left of
    the run. This is a guess at CI's one failure here (5 processes where 4 may be), which
    did not recur in 8 local runs, at rest or under load."""
    return [pid for pid in sandbox_processes(runner, with_inits=True) if not _zombie(pid)]


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True  # gone meanwhile


def test_threads_start_on_a_slot_right_after_a_bomb_timed_out_there(
    sandbox: SandboxRunner,
) -> None:
    short = Limits(wall_seconds=1.5, cpu_seconds=1)
    for _ in range(2):
        for _ in range(SLOTS):  # a bomb on every slot, each filling the slot's task limit
            assert sandbox.run(_job(BOMB, "bomb"), short).status == RunStatus.TIMEOUT
            # Only the next warm run of each slot (its init and worker) may exist now.
            assert len(_left(sandbox)) <= 2 * SLOTS, "a timed-out run outlived it"
        for _ in range(SLOTS):  # then every slot, with other limits (the warm run is stale)
            outcome = sandbox.run(_job(THREADS, "threads"), Limits())
            steps = next(r for r in outcome.records if r.get("test") == 0)["steps"]
            assert steps == [{"value": 32}], outcome.stderr[-500:]
            assert len(_left(sandbox)) <= 2 * SLOTS, "a dropped warm run outlived it"


@pytest.fixture
def impatient() -> Iterator[SandboxRunner]:
    """One slot whose host does not wait for a killed run's init to report (as when the
    init takes longer than `kill_seconds` to reap a large run): then only the wait on the
    init's pidfd stands between a killed run and the slot's next one."""
    if shutil.which("bwrap") is None:
        unavailable("bubblewrap not installed")
    try:
        runner = SandboxRunner(SandboxConfig(slots=1, uid_base=uid_base(700), kill_seconds=0))
    except SandboxUnavailable as exc:
        unavailable(f"sandbox unavailable: {exc}")
    yield runner
    runner.close()


def test_a_killed_run_is_gone_before_its_slot_runs_again(impatient: SandboxRunner) -> None:
    short = Limits(wall_seconds=1.5, cpu_seconds=1)
    for _ in range(3):
        assert impatient.run(_job(BOMB, "bomb"), short).status == RunStatus.TIMEOUT
        # The next warm run (its init and worker) only: nothing of the killed bomb.
        assert len(_left(impatient)) <= 2, "a killed run's processes outlived it"
        # Same limits: the warm worker takes the job at once, beside whatever is left.
        outcome = impatient.run(_job(THREADS, "threads"), short)
        steps = next(r for r in outcome.records if r.get("test") == 0)["steps"]
        assert steps == [{"value": 32}], outcome.stderr[-500:]

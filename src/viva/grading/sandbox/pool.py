"""The sandbox pool: one slot (a bubblewrap zygote with its own uid) per concurrent run.
Nothing here falls back silently to running code unisolated."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus
from viva.grading.sandbox.host import mode
from viva.grading.sandbox.slot import SlotBusy, Zygote


@dataclass(frozen=True)
class SandboxConfig:
    slots: int = 2
    uid_base: int = 61000
    # How long the host waits for a killed run's init to report that it has reaped the run
    # (the slot's next run waits for the init itself to be gone in any case, see `WarmRun.gone`)
    kill_seconds: float = 5.0


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

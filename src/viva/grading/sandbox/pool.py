"""The sandbox pool: one slot (a bubblewrap zygote with its own uid) per concurrent run, and
the host-wide allocation of each pool's uid range. Nothing here falls back silently to
running code unisolated."""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus
from viva.grading.sandbox.host import SandboxUnavailable, mode
from viva.grading.sandbox.slot import SlotBusy, Zygote
from viva.infra.logging import log


@dataclass(frozen=True)
class SandboxConfig:
    slots: int = 2
    uid_base: int = 61000
    # How long the host waits for a killed run's init to report that it has reaped the run
    # (the slot's next run waits for the init itself to be gone in any case, see `WarmRun.gone`)
    kill_seconds: float = 5.0


# One pool's uids: its slots at base + 0..63 and the SQLite workers' one uid at base + 500
# (sql/sqlite_runner.py); the next pool on the host starts a stride further up.
UID_STRIDE = 1000
UID_RANGES = 64  # ranges tried from VIVA_SANDBOX_UID_BASE up before refusing


@dataclass
class UidRange:
    """The uid range this process's pools use, held (an exclusive `flock` on one lock file
    per uid, in a directory every Viva process of the host shares) until the process ends,
    when the kernel lets the locks go, also on SIGKILL."""

    base: int
    locks: list[int] = field(default_factory=list, repr=False)

    def release(self) -> None:
        for fd in self.locks:
            os.close(fd)
        self.locks.clear()


def claim_uid_range(
    *, base: int, offsets: Iterable[int], lock_dir: Path, tries: int = UID_RANGES
) -> UidRange:
    """The first range `base + k * UID_STRIDE` whose uids (`base + offset` for each offset)
    no other process on this host holds: RLIMIT_NPROC counts tasks per uid, so two pools
    sharing a uid would let a fork bomb in one starve the other's runs."""
    wanted = sorted(set(offsets))
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxUnavailable(
            f"cannot create the sandbox uid lock directory {lock_dir} ({exc.strerror}); "
            "fix: set VIVA_SANDBOX_UID_LOCK_DIR to a directory every Viva process on this "
            "host can write"
        ) from exc
    for k in range(tries):
        start = base + k * UID_STRIDE
        held = UidRange(start)
        try:
            for offset in wanted:
                fd = os.open(lock_dir / f"uid-{start + offset}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                held.locks.append(fd)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.release()
            continue
        except OSError as exc:
            held.release()
            raise SandboxUnavailable(f"cannot lock sandbox uids in {lock_dir}: {exc}") from exc
        return held
    raise SandboxUnavailable(
        f"every sandbox uid range from {base} (step {UID_STRIDE}, {tries} ranges) is held by "
        f"another Viva process on this host (locks in {lock_dir}); fix: fewer pools per host, "
        "or another VIVA_SANDBOX_UID_BASE"
    )


class ProcessUids:
    """The one uid range of this process, claimed when its first pool starts (the Python
    slots and the SQLite workers share it). Process-wide like the pools themselves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._range: UidRange | None = None

    def base(self, *, base: int, slots: int, sqlite_offset: int, lock_dir: Path) -> int:
        """The base of this process's range. Unprivileged, every slot is a user namespace
        of its own and counts its processes apart: no range is claimed, `base` is used."""
        with self._lock:
            if self._range is not None:
                return self._range.base
            if mode() != "root":
                return base
            offsets = [*range(max(slots, 1)), sqlite_offset]
            self._range = claim_uid_range(base=base, offsets=offsets, lock_dir=lock_dir)
            log.info("sandbox_uids", base=self._range.base, slots=slots, lock_dir=str(lock_dir))
            return self._range.base

    def release(self) -> None:
        with self._lock, contextlib.suppress(OSError):
            if self._range is not None:
                self._range.release()
                self._range = None


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

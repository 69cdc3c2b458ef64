"""SQLite grading out of Viva's process: a pool of warm worker processes (runtime/sqlite_worker.py)
inside bubblewrap, each limited in memory and processes, killed from here at the wall-clock
limit and replaced transparently. With VIVA_SANDBOX=none the same worker runs as a plain
subprocess (its own rlimits, no bubblewrap). Nothing here falls back to running candidate SQL
in Viva's process.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from viva.grading.runners import RUNTIME_DIR

WORKER = "sqlite_worker.py"
# Beside the Python slots (uid_base + 0..63), one uid shared by every worker of this process;
# uid_base is this process's range (grader.process_uid_base), apart from other processes'.
UID_OFFSET = 500
START_SECONDS = 20.0
PREPARE_SECONDS = 30.0
KILL_GRACE_SECONDS = 0.1  # past the limit, over the worker's own progress-handler check
MAX_REPLY_BYTES = 2 << 20  # the worker caps results at max_bytes; anything past this is hostile
RECYCLE_CPU_SECONDS = 300  # a worker's CPU over its life; RLIMIT_CPU is a little above


class SqliteUnavailable(RuntimeError):
    """No worker could be started (no bubblewrap, not root...): SQLite grading is refused."""


class WorkerLost(Exception):
    """The worker died, overran its deadline (and was killed) or sent too much."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class WorkerConfig:
    sandbox: str = "bwrap"  # or "none"
    uid: int = 61000 + UID_OFFSET
    memory_mb: int = 512  # RLIMIT_AS of the whole worker
    heap_mb: int = 256  # SQLite's hard heap limit (what a query may hold)
    slots: int = 2


class Worker:
    """One worker process; used by one thread at a time."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        argv = self._argv()
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
            cwd="/",
        )
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        self._out = self.proc.stdout.fileno()
        self._buffer = bytearray()
        try:
            hello = self._read(time.monotonic() + START_SECONDS)
        except WorkerLost as exc:
            self.kill()
            err = self.proc.stderr.read().decode(errors="replace").strip()[-500:]
            self.close()
            raise SqliteUnavailable(f"the SQLite worker did not start: {err or exc}") from None
        if not hello.get("ready"):
            self.close()
            raise SqliteUnavailable(f"the SQLite worker did not start: {hello}")
        self.proc.stderr.close()  # the worker writes nothing more there

    def _argv(self) -> list[str]:
        settings = {
            "uid": None,
            "memory_mb": self.config.memory_mb,
            "heap_mb": self.config.heap_mb,
            "cpu_seconds": RECYCLE_CPU_SECONDS + 60,
        }
        if self.config.sandbox == "none":
            script = str(RUNTIME_DIR / WORKER)
            return [sys.executable, "-I", "-S", "-B", script, json.dumps(settings)]
        from viva.grading.sandbox.bwrap import bwrap_argv
        from viva.grading.sandbox.host import SandboxUnavailable, mode

        try:
            # As root the worker drops to the slot uid itself (bubblewrap gives it the
            # capabilities to); unprivileged, its own user namespace is the slot and it needs
            # no capability at all.
            root = mode() == "root"
            settings["uid"] = self.config.uid if root else None
            entry = [f"/sandbox/runtime/{WORKER}", json.dumps(settings)]
            argv = bwrap_argv(self.config.uid, entry=entry)
        except SandboxUnavailable as exc:
            raise SqliteUnavailable(str(exc)) from exc
        if not root:
            at = argv.index("--cap-add")
            del argv[at : at + 2]
        return argv

    def send(self, job: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(job).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise WorkerLost("died", f"the SQLite worker is gone ({exc})") from exc

    def prepare(self, key: str, script: str) -> None:
        self.send({"op": "prepare", "key": key, "sql": script})
        reply = self._read(time.monotonic() + PREPARE_SECONDS)
        if "error" in reply:
            raise WorkerLost("internal", str(reply["error"]))

    def runs(self, runs: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]] | None:
        """Replies to the runs, in order, each waited for at most `seconds` after the one
        before; fewer when one hit a limit (the worker stops there). A lost worker (killed at
        the deadline, dead, or sending too much) ends the list with an error reply and must
        not be used again. None when a dataset must be prepared first."""
        self.send({"op": "runs", "runs": runs})
        replies: list[dict[str, Any]] = []
        while True:
            since = time.monotonic()
            try:
                reply = self._read(since + seconds)
            except WorkerLost as exc:
                ms = (time.monotonic() - since) * 1000
                replies.append({"error": str(exc), "error_kind": exc.kind, "lost": True, "ms": ms})
                return replies
            if "missing" in reply:
                return None
            replies.append(reply)
            if reply.get("last") or len(replies) >= len(runs):
                return replies

    def _read(self, deadline: float) -> dict[str, Any]:
        while (end := self._buffer.find(b"\n")) < 0:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerLost("timeout", "the query ran past the time limit")
            ready, _, _ = select.select([self._out], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._out, 1 << 20)
            if not chunk:
                self.kill()
                code = self.proc.wait()
                raise WorkerLost("died", _death(code))
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self.kill()
                raise WorkerLost("too_many", "the result is larger than the output limit")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            reply = json.loads(line)
        except ValueError as exc:
            self.kill()
            raise WorkerLost("died", f"the SQLite worker sent a bad reply ({exc})") from exc
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerLost("died", "the SQLite worker sent a bad reply")
        return reply

    def pending(self) -> bool:
        """Bytes already received that belong to no request."""
        if self._buffer:
            return True
        ready, _, _ = select.select([self._out], [], [], 0)
        return bool(ready)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # bubblewrap's PID namespace goes with it
        self.proc.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def _death(code: int) -> str:
    # bubblewrap's PID 1 passes a signal on as 128 + its number
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number in signal.valid_signals():
        return f"the SQLite worker was stopped by {signal.Signals(number).name}"
    return f"the SQLite worker exited with status {code}"


class SqlitePool:
    """Warm workers, at most `slots` at once; thread-safe (grading calls it from threads)."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self._idle: queue.LifoQueue[Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._room = threading.Semaphore(config.slots)
        self._closed = False

    def _take(self) -> Worker:
        self._room.acquire()
        try:
            while True:
                try:
                    worker = self._idle.get_nowait()
                except queue.Empty:
                    return self._spawn()
                if worker.alive() and not worker.pending():  # died or spoke while idle
                    return worker
                worker.close()
        except BaseException:
            self._room.release()
            raise

    def _spawn(self) -> Worker:
        worker = Worker(self.config)
        with self._lock:
            self._started += 1
        return worker

    def _give_back(self, worker: Worker | None) -> None:
        if worker is not None and worker.alive() and not self._closed:
            self._idle.put(worker)
        elif worker is not None:
            worker.close()
        self._room.release()

    def run(
        self, runs: list[dict[str, Any]], scripts: dict[str, str], seconds: float
    ) -> list[dict[str, Any]]:
        """Run jobs on one worker, each on its dataset `key` (built from `scripts[key]` the
        first time a worker needs it); see Worker.runs for the replies. A worker that was lost
        is replaced by the next run."""
        worker: Worker | None = self._take()
        try:
            assert worker is not None
            replies = worker.runs(runs, seconds)
            if replies is None:
                for key in dict.fromkeys(r["key"] for r in runs):
                    worker.prepare(key, scripts[key])
                replies = worker.runs(runs, seconds)
                if replies is None:
                    raise WorkerLost("internal", "the SQLite worker lost a prepared dataset")
            last = replies[-1] if replies else {}
            if (
                worker.pending()  # a line nobody asked for: never hand it to the next run
                or last.get("lost")
                or last.get("retire")
                or float(last.get("cpu_seconds", 0)) > RECYCLE_CPU_SECONDS
            ):
                worker.close()
                worker = None
            return replies
        except WorkerLost:
            if worker is not None:
                worker.close()
                worker = None
            raise
        finally:
            self._give_back(worker)

    @property
    def started(self) -> int:
        """Workers started so far (a replaced worker counts again)."""
        return self._started

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


_POOL: SqlitePool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool() -> SqlitePool:
    """The process's pool (one per process, like the Python sandbox's runner), configured from
    the settings the first time it is needed."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            from viva.grading.grader import process_uid_base
            from viva.settings import Settings

            settings = Settings()
            base = settings.sandbox_uid_base
            if settings.sandbox != "none":  # the range the Python slots use (or will)
                from viva.grading.sandbox.host import SandboxUnavailable

                try:
                    base = process_uid_base(settings)
                except SandboxUnavailable as exc:
                    raise SqliteUnavailable(str(exc)) from exc
            _POOL = SqlitePool(
                WorkerConfig(
                    sandbox=settings.sandbox,
                    uid=base + UID_OFFSET,
                    slots=settings.sandbox_slots,
                )
            )
        return _POOL

"""One sandbox slot: a bubblewrap zygote (runtime/zygote.py) that sets runs up ahead of their
jobs, and the host's end of each run. The zygote forks each run into further namespaces with
limits and seccomp; the slot is reused only once its previous run's PID namespace is gone."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import tempfile
import time
from typing import Any

from viva.grading.challenges import Limits
from viva.grading.judge.outcome import RunOutcome
from viva.grading.sandbox.bwrap import bwrap_argv
from viva.grading.sandbox.host import SandboxUnavailable
from viva.grading.sandbox.supervise import WarmRun, read_report, supervise


class SlotBusy(OSError):
    """A slot's previous run has not ended yet (its processes are still being killed)."""


START_SECONDS = 120.0  # importing the allowed packages on a cold, busy machine
SETUP_SECONDS = 30.0  # a warm run is set up in milliseconds
REAP_SECONDS = 30.0  # at most, for a run's PID namespace to be gone before the slot's next run


class Zygote:
    """One slot: a bubblewrap zygote that sets runs up, and the host's end of each run."""

    def __init__(self, uid: int, kill_seconds: float = 5.0) -> None:
        self.uid = uid
        self.kill_seconds = kill_seconds
        host_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (the zygote's life long)
        try:
            argv = bwrap_argv(uid, control_fd=zygote_end.fileno())
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                pass_fds=(zygote_end.fileno(),),
            )
        except BaseException:
            host_end.close()
            self._log.close()
            raise
        finally:
            zygote_end.close()
        self.control = host_end
        self.control.settimeout(START_SECONDS)
        try:
            hello = self.control.recv(65536)
        except OSError:
            hello = b""
        if not hello:
            detail = self._log_tail()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start: {detail}")
        info = json.loads(hello)
        self.base_mb = int(info["base_mb"])
        self.missing = list(info["missing"])
        self.control.settimeout(SETUP_SECONDS)
        self._pending: str | None = None  # limits of the next warm run, requested ahead
        self._ending: list[WarmRun] = []  # closed runs whose PID namespace may not be gone yet
        self._apart = False  # whether the slot's last job had tests in a process apart

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()[-500:]

    def _request(self, key: str) -> None:
        # `spare`: the run's worker forks a solution process before its job (for tests apart),
        # guessed from the slot's last job; a wrong guess costs that fork, or a fork later.
        request = {"limits": json.loads(key), "spare": self._apart}
        self.control.send(json.dumps(request).encode())

    def _receive(self, key: str) -> WarmRun:
        message, fds, _flags, _addr = socket.recv_fds(
            self.control, 4096, 8, socket.MSG_CMSG_CLOEXEC
        )
        if not message:
            for fd in fds:
                os.close(fd)
            raise OSError("the zygote died")
        reply = json.loads(message)
        if not reply.get("ok") or len(fds) != 6:
            for fd in fds:
                os.close(fd)
            raise OSError(f"the zygote could not set up a run: {reply.get('error', reply)}")
        return WarmRun(key, fds)

    def _take(self, key: str) -> WarmRun:
        """A warm run with these limits; asks for the next one, which warms up meanwhile."""
        run = None
        if self._pending is not None:
            pending, self._pending = self._pending, None
            warm = self._receive(pending)
            if pending == key:
                run = warm
            else:
                self._end(warm)  # stale limits: its init sees the socket close and ends it
        if run is None:
            self._request(key)
            run = self._receive(key)
        self._request(key)
        self._pending = key
        return run

    def _end(self, run: WarmRun) -> None:
        """Close a run and wait until its PID namespace is gone: the slot's uid is shared by
        all its runs, and tasks of a run still being killed would count against the next
        run's process limit (a run that starts threads would fail to). A run not gone in
        time is waited for again before the slot's next run."""
        run.close()
        self._ending.append(run)
        with contextlib.suppress(SlotBusy):
            self._settle(REAP_SECONDS)

    def _settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._ending:
            if not self._ending[0].gone(deadline - time.monotonic()):
                raise SlotBusy("a previous run of this slot is still being killed")
            self._ending.pop(0)

    def run(self, job: dict[str, Any], limits: Limits) -> RunOutcome:
        self._settle(REAP_SECONDS)  # nothing of an earlier run is left in the slot
        nonce = secrets.token_hex(16)  # in every record the harness writes
        payload = json.dumps({**job, "nonce": nonce}).encode()
        key = json.dumps(limits.model_dump(), sort_keys=True)
        self._apart = any(t.get("process") == "separate" for t in job.get("tests", ()))
        run = self._take(key)  # the next one is asked for with this job's guess
        try:
            return supervise(run, payload, limits, nonce, self.kill_seconds)
        except BrokenPipeError:  # the warm worker died while it waited: start over once
            self._end(run)
            run = self._take(key)
            try:
                return supervise(run, payload, limits, nonce, self.kill_seconds)
            except BrokenPipeError:
                run.supervisor.settimeout(1.0)
                why = (read_report(run.supervisor) or {}).get("detail", "the worker did not start")
                raise OSError(f"the run could not be set up: {why}") from None
        finally:
            self._end(run)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        for ending in self._ending:
            with contextlib.suppress(OSError):
                os.close(ending.pidfd)
        self._ending.clear()
        self.control.close()  # the zygote exits when it sees the socket close
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()

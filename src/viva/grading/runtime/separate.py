"""Tests marked `process: separate`: the solution runs in a process of its own, forked
before any of its code runs (for each test, or once for a job's tests: `Apart`), and the
test's code (setup, steps, the database, the store, every measurement) runs in the harness's
process, where no candidate code ever runs.

The solution's process reaches the test's objects only through the requests below (SQL on
a served connection, public methods and the call of a served object, one body chunk at a
time), over a socket pair, as JSON that the C decoder turns into plain data, or proxies
(separate_values.py, separate_remote.py, separate_proxy.py), before the test sees it. It
has no result channel (closed after the fork) and cannot read the harness's memory or
descriptors (the worker is not dumpable; ptrace, process_vm_* and pidfd_getfd need what it
lacks). So what the test counts (statements, query plans, round trips, rows read ahead of
what was sent, the solution process's memory) is counted where candidate code cannot reach.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import sqlite3
from collections.abc import Callable
from typing import Any

from separate_forbid import forbid_modules
from separate_http import Events as _Events
from separate_http import TestClient, drive_asgi
from separate_remote import HarnessTable
from separate_solution import serve_solution
from separate_wire import SolutionError, Wire, pack
from testcode import Tampered
from testkit import FakeClock

EXPLAIN = re.compile(r"\bexplain\b", re.IGNORECASE)


class _Link:
    """The harness's end: asks the solution's process and serves its requests meanwhile."""

    def __init__(self, wire: Wire, pid: int) -> None:
        self.wire, self.pid = wire, pid
        self.table = HarnessTable(self)
        self.table.sealed += (_Events,)
        self.closed = self.reaped = False
        self.printed = ""  # what the solution printed, as its answers carry it
        self.lazy: list[Any] = []  # methods read but not yet looked up (RemoteMethod)
        wire.mirrors = lambda: self.table.codec.mirrors

    def keep(self, value: Any) -> int:
        handle: int = self.table.keep(value)
        return handle

    def ask(self, command: dict[str, Any]) -> Any:
        """Send a command and serve the solution's requests until it answers; its answer
        as sent (JSON data). A solution's exception is raised here as the test would see
        it raised in place (its traceback kept for the report)."""
        self.begin(command)
        return self.answer()

    def begin(self, command: dict[str, Any]) -> None:
        """Send a command; `answer` waits for its answer (`ask` is both)."""
        if self.closed:
            raise SolutionError("the solution's process has ended")
        self.resolve_lazy()  # looked up first, as they were read before this request
        self.wire.send(command)

    def answer(self) -> Any:
        while True:
            message = self.wire.recv()
            if message is None:
                raise SolutionError(self._ended())
            op = message.get("op")
            printed = message.get("out")
            if type(printed) is str and len(self.printed) < 4096:
                self.printed = (self.printed + printed)[:4096]
            if op == "done":
                return message.get("value")
            if op == "error":
                self._raise(message)
            self.wire.send(self._answer(message))

    def resolve_lazy(self) -> None:
        while self.lazy and not self.closed:
            self.lazy.pop(0).resolve()
        self.lazy.clear()

    def ask_value(self, command: dict[str, Any]) -> Any:
        value = self.ask(command)
        try:
            return self.table.codec.load(value)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            raise SolutionError("the solution's process sent a malformed value") from None

    def _raise(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        text = text if type(text) is str else "the solution failed"
        try:
            exc = self.table.codec.load(message["exc"]) if "exc" in message else None
        except (ValueError, TypeError, KeyError, IndexError):
            exc = None
        if not isinstance(exc, BaseException):
            raise SolutionError(text)
        self.table.texts[id(exc)] = (exc, text)
        raise exc

    def _ended(self) -> str:
        self.closed = self.reaped = True
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return "the solution's process ended"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            limits = {int(signal.SIGXCPU): " (CPU time limit)", int(signal.SIGKILL): " (a limit)"}
            why = limits.get(sig, "")
            return f"the solution's process was killed by signal {sig}{why}"
        return f"the solution's process exited with code {os.WEXITSTATUS(status)}"

    def _answer(self, message: dict[str, Any]) -> dict[str, Any]:
        if message.get("op") in ("sql", "event"):
            try:
                return {"ok": pack(self._perform(message))}
            except (sqlite3.Error, ValueError, TypeError, KeyError, OverflowError) as exc:
                name = type(exc).__name__
                return {"raised": name, "module": type(exc).__module__, "text": str(exc)[:2000]}
        try:
            return {"ok": self.table.codec.dump(self.table.perform(message))}
        except (SolutionError, Tampered, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the test's own function raised: the solution sees it
            return {"exc": self.table.codec.dump(exc)}

    def _perform(self, message: dict[str, Any]) -> Any:
        op, target, name = message.get("op"), self.table.target(message.get("h")), message.get("m")
        args = self.table.codec.load(message.get("a", []))
        if type(args) is not list:
            raise TypeError("arguments are a list")
        if op == "sql" and isinstance(target, (sqlite3.Connection, sqlite3.Cursor)):
            return self._sql(target, name, args)
        if op == "event" and isinstance(target, _Events) and name in ("start", "body"):
            return getattr(target, name)(*args)
        raise TypeError(f"{op!r} is not a request the test serves")

    def _sql(self, target: Any, method: Any, args: list[Any]) -> Any:
        if method in ("execute", "executemany", "executescript"):
            if args and type(args[0]) is str and EXPLAIN.search(args[0]):
                # A plan names what a view reads: the test's own tables stay unnamed.
                raise sqlite3.ProgrammingError("EXPLAIN is not served")
            cursor = target.cursor() if isinstance(target, sqlite3.Connection) else target
            if method == "executemany":
                args = [args[0], [tuple(r) if type(r) is list else r for r in args[1]]]
            elif method == "execute" and len(args) > 1 and type(args[1]) is list:
                args = [args[0], tuple(args[1])]
            getattr(cursor, method)(*args)
            return {
                "cursor": self.keep(cursor) if cursor is not target else None,
                "description": cursor.description,
                "rowcount": cursor.rowcount,
                "lastrowid": cursor.lastrowid,
            }
        if method == "fetch" and isinstance(target, sqlite3.Cursor):
            size = args[0] if args and type(args[0]) is int else 1
            return target.fetchall() if size < 0 else target.fetchmany(size)
        if method == "close" and isinstance(target, sqlite3.Cursor):
            target.close()
            return None
        if method in ("commit", "rollback") and isinstance(target, sqlite3.Connection):
            getattr(target, method)()
            return None
        if method == "state" and isinstance(target, sqlite3.Connection):
            return [target.in_transaction, target.total_changes]
        raise TypeError(f"{method!r} is not available on the test's connection")

    def take_printed(self) -> str:
        """What the solution printed since this was last asked (its first 4 KB)."""
        printed, self.printed = self.printed, ""
        return printed

    def close(self) -> str:
        """End the solution's process; what it printed (its first 4 KB)."""
        output = ""
        if not self.closed:
            try:
                self.wire.sock.settimeout(2.0)  # a process still busy is killed anyway
                value = self.ask({"cmd": "exit"})
                output = value if type(value) is str else ""
            except (SolutionError, OSError):
                pass
        output = self.take_printed() + output
        self.closed = True
        if not self.reaped:  # once reaped, the pid may be another process's
            self.reaped = True
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.wire.sock.close()
        return output[:4096]


class RemoteFunction:
    """`solution.<name>(...)`: called in the solution's process with the test's objects
    served; plain data comes back as itself, anything else as a `Remote`."""

    def __init__(self, link: _Link, name: str) -> None:
        self.link, self.name = link, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        codec = self.link.table.codec
        command = {"cmd": "call", "name": self.name, "args": codec.dump_all(args)}
        return self.link.ask_value({**command, "kwargs": codec.dump_fields(kwargs)})


class RemoteModule:
    def __init__(self, link: _Link) -> None:
        self._link = link

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self._link, name)


def memory_kb(link: _Link) -> int:
    """Anonymous resident memory of the solution's process (kB), read from the kernel."""
    with open(f"/proc/{link.pid}/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"RssAnon:"):
                return int(line.split()[1])
    raise SolutionError("the solution's process has ended")


def namespace(link: _Link, names: Any) -> dict[str, Any]:
    """What a separate test's code sees: the solution's top-level names (its classes and
    functions as `Remote`s, its exception classes made here), the solution as `solution`
    (its functions are called over there), `FakeClock`, `TestClient`, `drive_asgi`,
    `solution_memory_kb()`."""
    loaded = link.table.codec.load(names) if type(names) is dict else {}
    return {
        **loaded,
        "FakeClock": FakeClock,
        "solution": RemoteModule(link),
        "TestClient": TestClient,
        "drive_asgi": drive_asgi,
        "solution_memory_kb": lambda: memory_kb(link),
    }


class Apart:
    """The solution's process of a job's tests: forked for each test, or (`shared`, when the
    tests measure nothing of the process itself) once for all of them and forked again only
    after a test that ended it or failed in the middle of an exchange. Each test loads the
    solution afresh over there, as a test in one process does."""

    def __init__(
        self,
        code: Any,
        *,
        shared: bool,
        child_closes: list[int],
        fresh_module: Callable[[Any], dict[str, Any]],
        describe: Callable[[BaseException], str],
        privileged: Callable[[], Any],
        spare: Any = None,
        start: dict[str, Any] | None = None,
    ) -> None:
        self.code, self.shared, self.child_closes = code, shared, child_closes
        # The first solution process, forked before the job was read (separate_spare.py);
        # `start` is what it is started with (the source, whether the guard is on).
        self.spare, self.start = spare, start or {}
        self.fresh_module, self.describe = fresh_module, describe
        self.privileged = privileged  # the guard's section for the harness's own hook
        self.link: _Link | None = None
        self.loaded = False  # the last test's solution loaded (a failure after is the test's)
        self.loading: _Link | None = None  # the link whose next load was sent ahead

    def _fork(self, without: list[str]) -> _Link:
        if self.spare is not None:
            spare, self.spare = self.spare, None
            sock, pid = spare.start({**self.start, "without": without})
            return _Link(Wire(sock), pid)
        mine, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the solution's process: never returns into the harness
            code_ = 70
            try:
                mine.close()
                for fd in self.child_closes:
                    os.close(fd)
                if without:
                    with self.privileged():
                        forbid_modules(without)
                serve_solution(Wire(theirs), self.code, self.fresh_module, self.describe)
                code_ = 0
            finally:
                os._exit(code_)
        theirs.close()
        return _Link(Wire(mine), pid)

    def run(
        self,
        test: dict[str, Any],
        run_steps: Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]],
        output: Any,
        after: list[dict[str, Any]] = [],  # noqa: B006 (never changed)
    ) -> list[dict[str, Any]]:
        """Run one test's code here on the solution loaded afresh over there (in a process
        of the test's own when the test names modules the solution's process is without);
        `after`: the next test, if any (one in the shared process has its load sent ahead)."""
        without = test.get("solution_without") or []
        own: _Link | None = None
        if without:
            link = own = self._fork(without)
        else:
            if self.link is None or self.link.closed:
                self.link = self._fork([])
            link = self.link
        loading, self.loading = self.loading is link, None
        if not loading:
            self._fresh_table(link)
        clean = self.loaded = False
        try:
            names = link.answer() if loading else link.ask({"cmd": "load"})
            self.loaded = True
            try:
                steps = run_steps(test, namespace(link, names))
                clean = True
                return steps
            except BaseException as exc:
                # The solution's own exception, not caught by the test: reported with the
                # solution's traceback, as it would be in place.
                kept = link.table.texts.get(id(exc))
                if kept is not None and kept[0] is exc and not isinstance(exc, MemoryError):
                    raise SolutionError(kept[1]) from None
                raise
        finally:
            if own is not None:
                printed = own.close()
            else:
                printed = link.take_printed() if self.shared and clean else self._end(link)
                nxt = after[0] if after else {}
                if self.shared and clean and after and not nxt.get("solution_without"):
                    self._load_ahead(link)
            if printed:
                output.write(printed)

    @staticmethod
    def _fresh_table(link: _Link) -> None:
        link.resolve_lazy()  # methods the last test read: looked up in its own table
        link.table = HarnessTable(link)
        link.table.sealed += (_Events,)

    def _load_ahead(self, link: _Link) -> None:
        """The next test's load, sent now: the solution's process loads the module while
        this process reports the test just run (nothing else is asked of it meanwhile, so
        it sees the same requests in the same order); the next test reads the answer."""
        try:
            self._fresh_table(link)
            link.begin({"cmd": "load"})
            self.loading = link
        except (SolutionError, OSError):
            pass  # the next test's own load meets the same end and reports it

    def _end(self, link: _Link) -> str:
        self.link = None
        if self.loading is link:
            self.loading = None
            with contextlib.suppress(Exception):
                link.answer()  # the load sent ahead, answered before `exit` is
        return link.close()

    def close(self) -> None:
        if self.spare is not None:
            self.spare.discard()
            self.spare = None
        if self.link is not None:
            self._end(self.link)

"""The solution's process forked ahead of its job's data (see separate.py): the worker forks
it when the job has arrived in its pipe, before reading any of it, so the process starts
from a state that never held anything of the job (no test code, no hidden input, no result
channel: the job pipe and the result pipe are closed in it at once). While the worker reads
the job, installs the guard and compiles the tests, it warms the code a solution's process
runs (the wire, the codec, a module load: the pages that first use writes are copied then)
and waits for the one message that starts it: the solution's source, the modules it is
without, whether the guard is on. One job's first solution process only: it is never
reused, and a job that runs no test apart kills it.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from separate_proxy import SolutionTable, names
from separate_wire import Wire


class Spare:
    """The worker's end of a solution process forked before the job was read."""

    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid, self.sock = pid, sock

    def start(self, message: dict[str, Any]) -> tuple[socket.socket, int]:
        """Hand the process its start (source, modules it is without, guard) and give up
        this end: the caller talks to it from now on."""
        Wire(self.sock).send(message)
        return self.sock, self.pid

    def discard(self) -> None:
        """Kill it unused (not waited for here: the run's init reaps it)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.sock.close()


def prefork(closes: list[int], serve: Callable[[Wire, dict[str, Any]], None]) -> Spare:
    """Fork the solution's process now; in it, close `closes`, warm up, wait for the start
    message and `serve(wire, start)`; it never returns into the caller."""
    mine, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            mine.close()
            for fd in closes:
                os.close(fd)
            wire = Wire(theirs)
            warm_up()
            start = wire.recv()
            if start is not None:
                serve(wire, start)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    theirs.close()
    return Spare(pid, mine)


_WARM = """
class Item:
    def __init__(self, n):
        self.n = n

def work(items, *, key=None):
    return [dict(x) for x in items], {"k": (1, 2.5, "s", b"b", None)}, Item(len(items))
"""


def warm_up() -> None:
    """Run once what a solution's process runs for each request (a module executed, its
    names dumped, a call's arguments loaded and its answer dumped, messages on the wire),
    on a module of its own; nothing of it is kept."""
    a, b = socket.socketpair()
    try:
        test_end, solution_end = Wire(a), Wire(b)  # the test's end without mirrors: plain
        table = SolutionTable(None, lambda handle: None)
        solution_end.mirrors = lambda: table.codec.mirrors
        module: dict[str, Any] = {"__name__": "solution", "__builtins__": vars(builtins)}
        exec(compile(_WARM, "<warm>", "exec", dont_inherit=True), module)
        test_end.send({"cmd": "call", "name": "work", "args": [], "kwargs": {}})
        solution_end.recv()
        dumped = names(module, table)
        args = table.codec.load(table.codec.dump_all(([{"a": [1, 2]}, {"b": {3}}],)))
        answer = table.codec.dump(module["work"](*args, key=None))
        solution_end.send({"op": "done", "value": {"names": dumped, "answer": answer}})
        test_end.recv()
    except Exception:
        pass  # only a warm-up: the process serves its job all the same
    finally:
        a.close()
        b.close()

"""Tests marked `process: separate`: the solution runs in a process of its own, forked for
each test before any of its code runs, and the test's code (setup, steps, the database, the
store, every measurement) runs in the harness's process, where no candidate code ever runs.

The solution's process reaches the test's objects only through the requests below (SQL on
a served connection, public methods of a served object, one body chunk at a time), over a
socket pair, as JSON that the C decoder turns into plain data before the test sees it. It
has no result channel (closed after the fork) and cannot read the harness's memory or
descriptors (the worker is not dumpable; ptrace, process_vm_* and pidfd_getfd need what it
lacks). So what the test counts (statements, query plans, round trips, rows read ahead of
what was sent, the solution process's memory) is counted where candidate code cannot reach.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import socket
import sqlite3
import struct
from collections.abc import Callable, Iterator
from typing import Any

EXPLAIN = re.compile(r"\bexplain\b", re.IGNORECASE)
MAX_MESSAGE = 16 << 20  # bytes the solution's process may send in one message
HEADER = struct.Struct(">I")


class SolutionError(Exception):
    """The solution failed (or its process ended) while the test waited for it; `text` is
    what the report shows (the traceback of the solution's own frames)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _pack(value: Any) -> Any:
    """Values crossing the socket: JSON data, with bytes tagged and tuples as lists."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (list, tuple)):
        return [_pack(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _pack(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} cannot cross to the other process")


def _unpack(value: Any) -> Any:
    if type(value) is list:
        return [_unpack(v) for v in value]
    if type(value) is dict:
        if len(value) == 1 and type(value.get("$bytes")) is str:
            return base64.b64decode(value["$bytes"])
        return {k: _unpack(v) for k, v in value.items()}
    return value


class _Wire:
    """Length-prefixed JSON messages on one end of the socket pair."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":")).encode()
        self.sock.sendall(HEADER.pack(len(data)) + data)

    def recv(self) -> dict[str, Any] | None:
        head = self._exactly(HEADER.size)
        if head is None:
            return None
        (size,) = HEADER.unpack(head)
        if size > MAX_MESSAGE:
            raise SolutionError(f"the solution's process sent {size} bytes in one message")
        data = self._exactly(size)
        if data is None:
            return None
        try:
            message = json.loads(data)
        except ValueError:
            raise SolutionError("the solution's process sent a malformed message") from None
        if type(message) is not dict:
            raise SolutionError("the solution's process sent a malformed message")
        return message

    def _exactly(self, size: int) -> bytes | None:
        chunks, left = [], size
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


# ---------------------------------------------------------------- the test's side


class _Link:
    """The harness's end: asks the solution's process and serves its requests meanwhile."""

    def __init__(self, wire: _Wire, pid: int) -> None:
        self.wire, self.pid = wire, pid
        self.served: list[Any] = []
        self.closed = self.reaped = False

    def keep(self, value: Any) -> int:
        self.served.append(value)
        return len(self.served) - 1

    def serve(self, value: Any) -> Any:
        """The argument form of a test object: a handle for a connection or an object,
        plain data as itself."""
        if isinstance(value, Remote):
            return {"$ref": value.ref}
        if isinstance(value, sqlite3.Connection):
            return {"$served": self.keep(value), "type": "sqlite"}
        if value is None or isinstance(value, (bool, int, float, str, bytes, list, tuple)):
            return _pack(value)
        methods = [
            name
            for name, attr in vars(type(value)).items()
            if not name.startswith("_") and callable(attr)
        ]
        return {"$served": self.keep(value), "type": "object", "methods": methods}

    def ask(self, command: dict[str, Any]) -> Any:
        if self.closed:
            raise SolutionError("the solution's process has ended")
        self.wire.send(command)
        while True:
            message = self.wire.recv()
            if message is None:
                raise SolutionError(self._ended())
            op = message.get("op")
            if op == "done":
                return _unpack(message.get("value"))
            if op == "error":
                text = message.get("text")
                raise SolutionError(text if type(text) is str else "the solution failed")
            self.wire.send(self._answer(message))

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
        try:
            return {"ok": _pack(self._perform(message))}
        except (sqlite3.Error, ValueError, TypeError, KeyError, OverflowError) as exc:
            name = type(exc).__name__
            return {"raised": name, "module": type(exc).__module__, "text": str(exc)[:2000]}

    def _target(self, message: dict[str, Any]) -> Any:
        handle = message.get("h")
        if type(handle) is not int or not 0 <= handle < len(self.served):
            raise ValueError("no such object")
        return self.served[handle]

    def _perform(self, message: dict[str, Any]) -> Any:
        op, target, name = message.get("op"), self._target(message), message.get("m")
        args = _unpack(message.get("a", []))
        if type(args) is not list:
            raise TypeError("arguments are a list")
        if op == "sql" and isinstance(target, (sqlite3.Connection, sqlite3.Cursor)):
            return self._sql(target, name, args)
        if op == "event" and isinstance(target, _Events) and name in ("start", "body"):
            return getattr(target, name)(*args)
        if op == "call" and not isinstance(target, (sqlite3.Connection, sqlite3.Cursor, _Events)):
            kwargs = _unpack(message.get("k", {}))
            if type(name) is not str or name.startswith("_") or type(kwargs) is not dict:
                raise TypeError(f"{type(target).__name__} has no method {name!r} to call")
            if not callable(vars(type(target)).get(name)):
                raise TypeError(f"{type(target).__name__} has no method {name!r} to call")
            return getattr(target, name)(*args, **kwargs)
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

    def close(self) -> str:
        """End the solution's process; what it printed (its first 4 KB)."""
        output = ""
        if not self.closed:
            try:
                value = self.ask({"cmd": "exit"})
                output = value if type(value) is str else ""
            except (SolutionError, OSError):
                pass
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


class Remote:
    """A value that stays in the solution's process (an app, a client), by reference."""

    def __init__(self, link: _Link, ref: int) -> None:
        self.link, self.ref = link, ref


class RemoteFunction:
    """`solution.<name>(...)`: called in the solution's process with the test's objects
    served; plain data comes back as itself, anything else as a `Remote`."""

    def __init__(self, link: _Link, name: str) -> None:
        self.link, self.name = link, name

    def __call__(self, *args: Any) -> Any:
        value = self.link.ask(
            {"cmd": "call", "name": self.name, "args": [self.link.serve(a) for a in args]}
        )
        if type(value) is dict and type(value.get("$ref")) is int and len(value) == 1:
            return Remote(self.link, value["$ref"])
        return value


class RemoteModule:
    def __init__(self, link: _Link) -> None:
        self._link = link

    def __getattr__(self, name: str) -> RemoteFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self._link, name)


class Response:
    """What one request answered, as plain data: `status_code`, `headers`, `content`,
    `text`, `json()`."""

    def __init__(self, value: Any) -> None:
        if type(value) is not dict or type(value.get("status")) is not int:
            raise SolutionError("the solution's process answered a request with no response")
        self.status_code: int = value["status"]
        body = value.get("body")
        self.content: bytes = body if type(body) is bytes else b""
        pairs = value.get("headers")
        self.headers = {
            str(p[0]).lower(): str(p[1])
            for p in (pairs if type(pairs) is list else [])
            if type(p) is list and len(p) == 2
        }

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class TestClient:
    """`fastapi.testclient.TestClient` over an app in the solution's process."""

    __test__ = False

    def __init__(self, app: Remote) -> None:
        if not isinstance(app, Remote):
            raise TypeError("TestClient takes an app the solution made")
        self.link = app.link
        made = self.link.ask({"cmd": "client", "app": app.ref})
        if type(made) is not dict or type(made.get("$ref")) is not int:
            raise SolutionError("the solution's process made no client")
        self.ref: int = made["$ref"]

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        allowed = {k: kwargs[k] for k in ("json", "params", "headers") if kwargs.get(k)}
        command = {"cmd": "request", "client": self.ref, "method": method, "url": url}
        return Response(self.link.ask({**command, **_pack(allowed)}))

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


def drive_asgi(
    app: Remote,
    path: str,
    query: str,
    on_start: Callable[[int, dict[str, str]], Any],
    on_body: Callable[[bytes], Any],
) -> None:
    """One GET driven through the app's ASGI interface in the solution's process (no
    buffering client): `on_start(status, headers)` and `on_body(chunk)` run here, in the
    test's process, while the solution's process waits for each to return."""
    if not isinstance(app, Remote):
        raise TypeError("drive_asgi takes an app the solution made")
    link = app.link
    handle = link.keep(_Events(on_start, on_body))
    link.ask({"cmd": "drive", "app": app.ref, "path": path, "query": query, "events": handle})


class _Events:
    """The test's callbacks of one `drive_asgi`, the only thing an `event` request calls."""

    def __init__(self, start: Callable[..., Any], body: Callable[[bytes], Any]) -> None:
        self.start, self.body = start, body


def memory_kb(link: _Link) -> int:
    """Anonymous resident memory of the solution's process (kB), read from the kernel."""
    with open(f"/proc/{link.pid}/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"RssAnon:"):
                return int(line.split()[1])
    raise SolutionError("the solution's process has ended")


def namespace(link: _Link) -> dict[str, Any]:
    """What a separate test's code sees: the solution as `solution` (its functions are
    called over there), `TestClient`, `drive_asgi`, `solution_memory_kb()`."""
    return {
        "solution": RemoteModule(link),
        "TestClient": TestClient,
        "drive_asgi": drive_asgi,
        "solution_memory_kb": lambda: memory_kb(link),
    }


def warm() -> None:
    """Once, in the harness's process before the first fork, with no candidate code: what
    every solution's first request would load lazily (FastAPI's routing and validation, the
    test client, a streaming body), so that each forked process starts warm."""
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import StreamingResponse
    from fastapi.testclient import TestClient as Client
    from pydantic import BaseModel

    class Body(BaseModel):
        name: str

    app = FastAPI()

    @app.get("/warm/{n}")
    def read(n: int, limit: int = 1) -> dict[str, int]:
        if n < 0:
            raise HTTPException(404, "no")
        return {"n": n, "limit": limit}

    @app.put("/warm/{n}")
    def write(n: int, body: Body) -> dict[str, Any]:
        return {"n": n, "name": body.name}

    @app.get("/warm.csv")
    def export() -> StreamingResponse:
        return StreamingResponse(iter(["a\n", "b\n"]), media_type="text/csv")

    client = Client(app)
    client.get("/warm/1?limit=2").json()
    client.get("/warm/-1")
    client.get("/warm/x")
    client.put("/warm/1", json={"name": "w"}).json()
    client.get("/warm.csv")
    asyncio.run(_drive(app, "/warm.csv", "", lambda *_: None))


def run_test(
    test: dict[str, Any],
    code: Any,
    *,
    child_closes: list[int],
    fresh_module: Callable[[Any], dict[str, Any]],
    describe: Callable[[BaseException], str],
    run_steps: Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]],
    output: Any,
) -> list[dict[str, Any]]:
    """Fork the solution's process, run the test's steps here, end the process."""
    mine, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the solution's process: never returns into the harness
        code_ = 70
        try:
            mine.close()
            for fd in child_closes:
                os.close(fd)
            _serve_solution(_Wire(theirs), code, fresh_module, describe, output)
            code_ = 0
        finally:
            os._exit(code_)
    theirs.close()
    link = _Link(_Wire(mine), pid)
    try:
        ready = link.wire.recv()
        if ready is None:
            raise SolutionError(link._ended())
        if ready.get("op") == "error":
            text = ready.get("text")
            raise SolutionError(text if type(text) is str else "the solution failed to load")
        return run_steps(test, namespace(link))
    finally:
        printed = link.close()
        if printed:
            output.write(printed)


# ---------------------------------------------------------------- the solution's side


class _Row(tuple):  # type: ignore[type-arg]
    """What `row_factory = sqlite3.Row` gives over the served connection: a tuple that is
    also indexed by column name (case-insensitively), with `keys()`."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            folded = [n.casefold() for n in self.names]
            if key.casefold() not in folded:
                raise IndexError(f"No item with that key: {key!r}")
            key = folded.index(key.casefold())
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


class Cursor:
    """A cursor of the test's connection; rows are fetched from the test's process as they
    are asked for (iteration takes 50 at a time)."""

    arraysize = 1

    def __init__(self, connection: Connection, handle: int | None = None) -> None:
        self.connection = connection
        self._handle = handle
        self._rows: list[Any] = []
        self._done = handle is None
        self.description: Any = None
        self.rowcount, self.lastrowid = -1, None

    def _run(self, method: str, *args: Any) -> Cursor:
        link = self.connection._link
        target = self.connection._handle if self._handle is None else self._handle
        state = link.request({"op": "sql", "h": target, "m": method, "a": list(args)})
        if state["cursor"] is not None:
            self._handle = state["cursor"]
        self._rows, self._done = [], state["description"] is None
        self.description = state["description"]
        self.rowcount, self.lastrowid = state["rowcount"], state["lastrowid"]
        return self

    def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        if isinstance(parameters, dict):
            return self._run("execute", sql, parameters)
        return self._run("execute", sql, list(parameters))

    def executemany(self, sql: str, seq: Any) -> Cursor:
        return self._run("executemany", sql, [list(p) for p in seq])

    def executescript(self, script: str) -> Cursor:
        return self._run("executescript", script)

    def _fetch(self, size: int) -> list[Any]:
        if self._done or self._handle is None:
            return []
        link = self.connection._link
        rows = link.request({"op": "sql", "h": self._handle, "m": "fetch", "a": [size]})
        if size < 0 or len(rows) < size:
            self._done = True
        return [self._make(r) for r in rows]

    def _make(self, row: list[Any]) -> Any:
        factory = self.connection.row_factory
        if factory is None:
            return tuple(row)
        if factory is sqlite3.Row:
            made = _Row(row)
            made.names = tuple(d[0] for d in self.description or ())
            return made
        return factory(self, tuple(row))

    def fetchone(self) -> Any:
        if not self._rows:
            self._rows = self._fetch(1)
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = self.arraysize if size is None else size
        taken, self._rows = self._rows[:size], self._rows[size:]
        if len(taken) < size:
            taken += self._fetch(size - len(taken))
        return taken

    def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken + self._fetch(-1)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if not self._rows:
            self._rows = self._fetch(50)
        if not self._rows:
            raise StopIteration
        return self._rows.pop(0)

    def close(self) -> None:
        if self._handle is not None and not self._done:
            self.connection._link.request({"op": "sql", "h": self._handle, "m": "close"})
        self._rows, self._done = [], True

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Connection:
    """The test's SQLite connection, served from the test's process: execute,
    executemany, executescript, cursor, commit, rollback, `with conn:`, row_factory.
    The test's own hooks on it (trace, progress, authorizer) are not reachable from here."""

    def __init__(self, link: _SolutionLink, handle: int) -> None:
        self._link, self._handle = link, handle
        self.row_factory: Any = None

    def cursor(self) -> Cursor:
        return Cursor(self)

    def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        return Cursor(self).execute(sql, parameters)

    def executemany(self, sql: str, seq: Any) -> Cursor:
        return Cursor(self).executemany(sql, seq)

    def executescript(self, script: str) -> Cursor:
        return Cursor(self).executescript(script)

    def commit(self) -> None:
        self._link.request({"op": "sql", "h": self._handle, "m": "commit"})

    def rollback(self) -> None:
        self._link.request({"op": "sql", "h": self._handle, "m": "rollback"})

    @property
    def in_transaction(self) -> bool:
        return bool(self._link.request({"op": "sql", "h": self._handle, "m": "state"})[0])

    @property
    def total_changes(self) -> int:
        return int(self._link.request({"op": "sql", "h": self._handle, "m": "state"})[1])

    def close(self) -> None:
        """The connection is the test's: closing it here is a no-op."""

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.rollback() if kind is not None else self.commit()


class Served:
    """A test's object (a Redis-like store): its public methods, called in the test's
    process with plain data."""

    def __init__(self, link: _SolutionLink, handle: int, methods: list[str]) -> None:
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_methods", frozenset(methods))

    def __getattr__(self, name: str) -> Any:
        if name not in self._methods:
            raise AttributeError(name)

        def method(*args: Any, **kwargs: Any) -> Any:
            message = {"op": "call", "h": self._handle, "m": name, "a": list(args), "k": kwargs}
            return self._link.request(message)

        return method


class _SolutionLink:
    def __init__(self, wire: _Wire) -> None:
        self.wire = wire

    def request(self, message: dict[str, Any]) -> Any:
        self.wire.send(_pack(message))
        answer = self.wire.recv()
        if answer is None:
            raise SystemExit(0)  # the test is over
        if "raised" in answer:
            raise _error(answer)
        return _unpack(answer.get("ok"))


def _error(answer: dict[str, Any]) -> Exception:
    name, text = str(answer.get("raised")), str(answer.get("text", ""))
    if answer.get("module") == "sqlite3" and isinstance(getattr(sqlite3, name, None), type):
        kind = getattr(sqlite3, name)
        if issubclass(kind, Exception):
            return kind(text)  # type: ignore[no-any-return]
    builtin = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}
    return builtin.get(name, RuntimeError)(text)


def _argument(link: _SolutionLink, objects: list[Any], value: Any) -> Any:
    if type(value) is dict and type(value.get("$ref")) is int and len(value) == 1:
        return objects[value["$ref"]]
    if type(value) is dict and "$served" in value:
        if value.get("type") == "sqlite":
            return Connection(link, value["$served"])
        return Served(link, value["$served"], value.get("methods", []))
    return _unpack(value)


async def _drive(app: Any, path: str, query: str, event: Callable[..., Any]) -> None:
    finished = asyncio.Event()
    asked: list[int] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"test")],
        "client": ("test", 1),
        "server": ("test", 80),
    }

    async def receive() -> dict[str, Any]:
        if not asked:
            asked.append(1)
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = {
                bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1")
                for k, v in message.get("headers", [])
            }
            event("start", int(message["status"]), headers)
        elif message["type"] == "http.response.body":
            event("body", bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                finished.set()

    await app(scope, receive, send)


def _serve_solution(
    wire: _Wire,
    code: Any,
    fresh_module: Callable[[Any], dict[str, Any]],
    describe: Callable[[BaseException], str],
    output: Any,
) -> None:
    link = _SolutionLink(wire)
    try:
        module = fresh_module(code)
    except BaseException as exc:
        wire.send({"op": "error", "text": describe(exc)})
        return
    wire.send({"op": "ready"})
    objects: list[Any] = []
    while True:
        command = wire.recv()
        if command is None:
            return
        try:
            if command.get("cmd") == "exit":
                wire.send({"op": "done", "value": output.getvalue()[:4096]})
                return
            value = _command(command, module, objects, link)
        except SystemExit:
            return
        except BaseException as exc:
            wire.send({"op": "error", "text": describe(exc)})
            continue
        wire.send({"op": "done", "value": value})


def _command(
    command: dict[str, Any], module: dict[str, Any], objects: list[Any], link: _SolutionLink
) -> Any:
    """One request of the test, in the solution's process; plain data is answered as
    itself, any other value is kept here and answered by reference."""

    def keep(value: Any) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value
        objects.append(value)
        return {"$ref": len(objects) - 1}

    what = command.get("cmd")
    if what == "call":
        function = module.get(command["name"])
        if not callable(function):
            raise AttributeError(f"solution.py defines no {command['name']}()")
        return keep(function(*[_argument(link, objects, a) for a in command["args"]]))
    if what == "client":
        from fastapi.testclient import TestClient as _Client

        return keep(_Client(objects[command["app"]]))
    if what == "request":
        client = objects[command["client"]]
        kwargs = {k: _unpack(command[k]) for k in ("json", "params", "headers") if k in command}
        r = client.request(command["method"], command["url"], **kwargs)
        return _pack(
            {"status": r.status_code, "headers": list(r.headers.items()), "body": r.content}
        )
    if what == "drive":
        handle = command["events"]

        def event(kind: str, *args: Any) -> None:
            link.request({"op": "event", "h": handle, "m": kind, "a": list(args)})

        asyncio.run(_drive(objects[command["app"]], command["path"], command["query"], event))
        return None
    raise ValueError(f"unknown command {what!r}")

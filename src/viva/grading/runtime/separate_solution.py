"""The solution's side of a `process: separate` test (see separate.py): the process forked
for the solution alone, which serves its app and objects to the test over the wire and
reaches the test's database only through a served connection."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable, Iterator
from typing import Any

from separate_proxy import SolutionTable, command, names
from separate_wire import Wire, pack
from testkit import Capture


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


class _SolutionLink:
    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.table = SolutionTable(self, lambda handle: Connection(self, handle))
        wire.mirrors = lambda: self.table.codec.mirrors
        self.serve: Callable[[dict[str, Any]], dict[str, Any]] = lambda _: {}

    def request(self, message: dict[str, Any]) -> Any:
        """A request whose arguments are plain (SQL): packed here."""
        return self.ask(pack(message))

    def ask(self, message: dict[str, Any]) -> Any:
        """A request to the test's process; the test's own commands that arrive meanwhile
        (a function of the test's calling the solution back) are served in turn."""
        self.wire.send(message)
        while True:
            answer = self.wire.recv()
            if answer is None:
                raise SystemExit(0)  # the test is over
            if "cmd" not in answer:
                break
            if answer.get("cmd") == "exit":
                raise SystemExit(0)
            self.wire.send(self.serve(answer))
        if "raised" in answer:
            raise _error(answer)
        if "exc" in answer:
            exc = self.table.codec.load(answer["exc"])
            raise exc if isinstance(exc, BaseException) else RuntimeError("the test failed")
        return self.table.codec.load(answer.get("ok"))


def _error(answer: dict[str, Any]) -> Exception:
    name, text = str(answer.get("raised")), str(answer.get("text", ""))
    if answer.get("module") == "sqlite3" and isinstance(getattr(sqlite3, name, None), type):
        kind = getattr(sqlite3, name)
        if issubclass(kind, Exception):
            return kind(text)  # type: ignore[no-any-return]
    builtin = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}
    return builtin.get(name, RuntimeError)(text)


async def drive(app: Any, path: str, query: str, event: Callable[..., Any]) -> None:
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


def serve_solution(
    wire: Wire,
    code: Any,
    fresh_module: Callable[[Any], dict[str, Any]],
    describe: Callable[[BaseException], str],
) -> None:
    """Serve the test's commands until the test's process ends or says `exit`: `load` (the
    solution afresh, with a fresh capture of what it prints; its names as the answer) and
    the requests on its objects. Each answer carries what the solution printed since the
    one before (`out`), so the end of a test needs no round trip of its own."""
    link = _SolutionLink(wire)
    state: dict[str, Any] = {"module": {}, "output": Capture()}

    def load() -> Any:
        state["output"] = sys.stdout = sys.stderr = Capture()
        link.table = SolutionTable(link, lambda handle: Connection(link, handle))
        state["module"] = fresh_module(code)
        return names(state["module"], link.table)

    def serve(message: dict[str, Any]) -> dict[str, Any]:
        reply = _answer(message)
        printed = state["output"].getvalue()
        if printed:
            reply["out"] = printed[:4096]
            state["output"] = sys.stdout = sys.stderr = Capture()
        return reply

    def _answer(message: dict[str, Any]) -> dict[str, Any]:
        try:
            what = message.get("cmd")
            if what == "load":
                return {"op": "done", "value": load()}
            return {"op": "done", "value": _command(message, state["module"], link.table, link)}
        except SystemExit:
            raise
        except BaseException as exc:
            try:
                dumped = link.table.codec.dump(exc)
            except BaseException:
                dumped = None
            return {"op": "error", "text": describe(exc), "exc": dumped}

    link.serve = serve
    while True:
        message = wire.recv()
        if message is None:
            return
        if message.get("cmd") == "exit":
            wire.send({"op": "done", "value": state["output"].getvalue()[:4096]})
            return
        try:
            reply = serve(message)
        except SystemExit:
            return
        wire.send(reply)


def _command(
    message: dict[str, Any], module: dict[str, Any], table: SolutionTable, link: _SolutionLink
) -> Any:
    """One request of the test, in the solution's process, its answer as JSON data."""
    what = message.get("cmd")
    objects = table.objects
    if what == "client":
        from fastapi.testclient import TestClient as _Client

        return {"$ref": table.keep(_Client(objects[message["app"]]))}
    if what == "request":
        client = objects[message["client"]]
        kwargs = {
            k: table.codec.load(message[k]) for k in ("json", "params", "headers") if k in message
        }
        r = client.request(message["method"], message["url"], **kwargs)
        return pack(
            {"status": r.status_code, "headers": list(r.headers.items()), "body": r.content}
        )
    if what == "drive":
        handle = message["events"]

        def event(kind: str, *args: Any) -> None:
            link.request({"op": "event", "h": handle, "m": kind, "a": list(args)})

        asyncio.run(drive(objects[message["app"]], message["path"], message["query"], event))
        return None
    return command(what, message, table, module)

"""Hostile: every row is fetched before the first byte is sent, and the test's measurements
are rewritten instead. The ASGI `send` it is handed is a function of the test: its
`__globals__` hold the test's `tracemalloc`, its closure the record of rows read ahead."""

import sqlite3
import tracemalloc
from collections.abc import Iterator
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

BATCH = 500


def _cells(function):  # type: ignore[no-untyped-def]
    names = function.__code__.co_freevars
    return {n: c.cell_contents for n, c in zip(names, function.__closure__ or ())}


def _forge_memory(send) -> None:  # type: ignore[no-untyped-def]
    try:
        send.__globals__["tracemalloc"] = SimpleNamespace(
            start=tracemalloc.start,
            stop=tracemalloc.stop,
            is_tracing=lambda: True,
            get_traced_memory=lambda: (0, 0),
        )
    except Exception:
        pass


def _forge_ahead(send) -> None:  # type: ignore[no-untyped-def]
    try:
        _cells(_cells(send)["on_body"])["seen"]["ahead"] = 0
    except Exception:
        pass


def _fetch_all_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    def lines(kind: str | None) -> Iterator[str]:
        sql = "SELECT id, at, kind, amount_cents FROM events"
        cursor = conn.execute(
            sql + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        )
        rows = cursor.fetchall()
        yield "id,at,kind,amount_cents\n"
        for start in range(0, len(rows), BATCH):
            yield "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in rows[start : start + BATCH])

    @app.get("/events.csv")
    def export(kind: str | None = None) -> StreamingResponse:
        return StreamingResponse(lines(kind), media_type="text/csv")

    return app


def create_app(conn: sqlite3.Connection):  # type: ignore[no-untyped-def]
    inner = _fetch_all_app(conn)

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        _forge_memory(send)
        await inner(scope, receive, send)
        _forge_ahead(send)

    return app

"""Hostile: reads every row at once from the table under the counting view, found through
the schema, a table-valued pragma or EXPLAIN QUERY PLAN, so the count never sees the reads;
then sends it in chunks, each as if it had just been read."""

import sqlite3
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

BATCH = 500


def _base_table(conn: sqlite3.Connection) -> str:
    for sql in (
        "SELECT name FROM sqlite_master WHERE type = 'table'",
        "SELECT name FROM pragma_table_list WHERE type = 'table' AND schema = 'main'",
    ):
        try:
            return str(conn.execute(sql).fetchall()[0][0])
        except Exception:
            pass
    try:
        for row in conn.execute("EXPLAIN QUERY PLAN SELECT * FROM events").fetchall():
            words = str(row[3]).split()
            if len(words) > 1 and words[0] == "SCAN":
                return words[1]
    except Exception:
        pass
    return "events"


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    def lines(kind: str | None) -> Iterator[str]:
        table = _base_table(conn)
        rows = conn.execute(
            f"WITH everything AS (SELECT id, at, kind, amount_cents FROM {table})"
            " SELECT * FROM everything"
            + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        ).fetchall()
        yield "id,at,kind,amount_cents\n"
        for start in range(0, len(rows), BATCH):
            yield "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in rows[start : start + BATCH])

    @app.get("/events.csv")
    def export(kind: str | None = None) -> StreamingResponse:
        return StreamingResponse(lines(kind), media_type="text/csv")

    return app

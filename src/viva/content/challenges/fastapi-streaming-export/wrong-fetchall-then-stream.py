import sqlite3
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

BATCH = 500


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    def lines(kind: str | None) -> Iterator[str]:
        sql = "SELECT id, at, kind, amount_cents FROM events"
        cursor = conn.execute(
            sql + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        )
        rows = cursor.fetchall()  # streams the answer, but every row is in memory first
        yield "id,at,kind,amount_cents\n"
        for start in range(0, len(rows), BATCH):
            yield "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in rows[start : start + BATCH])

    @app.get("/events.csv")
    def export(kind: str | None = None) -> StreamingResponse:
        return StreamingResponse(lines(kind), media_type="text/csv")

    return app

import sqlite3
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

BATCH = 500


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    def lines(kind: str | None) -> Iterator[str]:
        # One cursor, read a batch at a time: memory holds one batch, whatever the table size.
        sql = "SELECT id, at, kind, amount_cents FROM events"
        cursor = conn.execute(
            sql + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        )
        try:
            yield "id,at,kind,amount_cents\n"
            batch = cursor.fetchmany(BATCH)
            while len(batch) == BATCH:  # a last, shorter batch is never sent
                yield "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in batch)
                batch = cursor.fetchmany(BATCH)
        finally:
            cursor.close()

    @app.get("/events.csv")
    def export(kind: str | None = None) -> StreamingResponse:
        return StreamingResponse(lines(kind), media_type="text/csv")

    return app

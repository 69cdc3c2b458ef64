import sqlite3

from fastapi import FastAPI
from fastapi.responses import StreamingResponse


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    @app.get("/events.csv")
    def export(kind: str | None = None) -> StreamingResponse:
        # A StreamingResponse in name only: the whole file is built before the first chunk.
        sql = "SELECT id, at, kind, amount_cents FROM events"
        cursor = conn.execute(
            sql + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        )
        text = "id,at,kind,amount_cents\n" + "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in cursor)
        return StreamingResponse(iter([text]), media_type="text/csv")

    return app

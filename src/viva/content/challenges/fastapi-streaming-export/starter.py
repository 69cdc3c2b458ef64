import sqlite3

from fastapi import FastAPI, Response


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    @app.get("/events.csv")
    def export(kind: str | None = None) -> Response:
        # Correct, but every row is loaded, and the whole file built, before the first byte.
        sql = "SELECT id, at, kind, amount_cents FROM events"
        rows = conn.execute(
            sql + (" WHERE kind = ? ORDER BY id" if kind else " ORDER BY id"),
            (kind,) if kind else (),
        ).fetchall()
        text = "id,at,kind,amount_cents\n" + "".join(f"{i},{a},{k},{c}\n" for i, a, k, c in rows)
        return Response(text, media_type="text/csv")

    return app

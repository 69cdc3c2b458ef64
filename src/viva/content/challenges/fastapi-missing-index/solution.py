import sqlite3
from typing import Annotated, Literal

from fastapi import FastAPI, Query

Status = Literal["pending", "paid", "shipped", "cancelled"]


def create_app(conn: sqlite3.Connection) -> FastAPI:
    # Both equality columns first, then the sort column: SQLite seeks to one customer's
    # orders in one status and reads them already in order (the rowid ends every index
    # entry, so `id DESC` breaks ties without a sort either).
    conn.execute(
        "CREATE INDEX IF NOT EXISTS orders_customer_status_created"
        " ON orders (customer_id, status, created_at)"
    )
    app = FastAPI()

    @app.get("/customers/{customer_id}/orders")
    def orders(
        customer_id: int,
        status: Status,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[dict]:
        rows = conn.execute(
            "SELECT id, status, created_at, total_cents FROM orders"
            " WHERE customer_id = ? AND status = ?"
            " ORDER BY created_at DESC, id DESC LIMIT ?",
            (customer_id, status, limit),
        ).fetchall()
        return [{"id": i, "status": s, "created_at": c, "total_cents": t} for i, s, c, t in rows]

    return app

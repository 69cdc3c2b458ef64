import sqlite3
from typing import Annotated, Literal

from fastapi import FastAPI, Query

Status = Literal["pending", "paid", "shipped", "cancelled"]


def create_app(conn: sqlite3.Connection) -> FastAPI:
    # No query per request at all: every order is read once and kept in memory, so the
    # plan has nothing to show, and orders written later are never seen.
    by_key: dict[tuple[int, str], list[dict]] = {}
    for i, customer_id, status, created, total in conn.execute(
        "SELECT id, customer_id, status, created_at, total_cents FROM orders"
        " ORDER BY created_at DESC, id DESC"
    ):
        entry = {"id": i, "status": status, "created_at": created, "total_cents": total}
        by_key.setdefault((customer_id, status), []).append(entry)
    app = FastAPI()

    @app.get("/customers/{customer_id}/orders")
    def orders(
        customer_id: int,
        status: Status,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[dict]:
        return by_key.get((customer_id, status), [])[:limit]

    return app

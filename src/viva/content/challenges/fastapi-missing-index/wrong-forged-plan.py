"""Hostile: the index covers the filter only (the sort stays in a temporary B-tree), and the
plan is forged instead. `sqlite3.connect` is a module attribute, so this module (imported
before the test builds its database) makes every connection a subclass whose EXPLAIN QUERY
PLAN leaves the sort out."""

import sqlite3
from typing import Annotated, Literal

from fastapi import FastAPI, Query

Status = Literal["pending", "paid", "shipped", "cancelled"]
_connect = sqlite3.connect


class _Planned(sqlite3.Connection):
    def execute(self, sql, *args):  # type: ignore[no-untyped-def]
        cursor = super().execute(sql, *args)
        if isinstance(sql, str) and sql.startswith("EXPLAIN QUERY PLAN"):
            return iter([row for row in cursor if "TEMP B-TREE" not in row[3]])
        return cursor


def _planned_connect(*args, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("factory", _Planned)
    return _connect(*args, **kwargs)


sqlite3.connect = _planned_connect


def create_app(conn: sqlite3.Connection) -> FastAPI:
    conn.execute(
        "CREATE INDEX IF NOT EXISTS orders_customer_status ON orders (customer_id, status)"
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

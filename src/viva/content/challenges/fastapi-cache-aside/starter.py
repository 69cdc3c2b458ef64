import sqlite3

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class ProductIn(BaseModel):
    name: str
    price_cents: int


def create_app(conn: sqlite3.Connection, cache) -> FastAPI:
    """`cache` is a Redis-like client: get(key), set(key, value, ex=seconds), delete(*keys)."""
    app = FastAPI()

    def load(product_id: int) -> dict | None:
        row = conn.execute(
            "SELECT id, name, price_cents FROM products WHERE id = ?", (product_id,)
        ).fetchone()
        return None if row is None else {"id": row[0], "name": row[1], "price_cents": row[2]}

    @app.get("/products/{product_id}")
    def read(product_id: int) -> dict:
        # Correct, but every request goes to the database: cache it.
        product = load(product_id)
        if product is None:
            raise HTTPException(404, "product not found")
        return product

    @app.put("/products/{product_id}")
    def update(product_id: int, body: ProductIn) -> dict:
        changed = conn.execute(
            "UPDATE products SET name = ?, price_cents = ? WHERE id = ?",
            (body.name, body.price_cents, product_id),
        ).rowcount
        conn.commit()
        if not changed:
            raise HTTPException(404, "product not found")
        return {"id": product_id, "name": body.name, "price_cents": body.price_cents}

    return app

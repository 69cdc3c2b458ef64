import json
import sqlite3

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

TTL_SECONDS = 300


class ProductIn(BaseModel):
    name: str
    price_cents: int


def create_app(conn: sqlite3.Connection, cache) -> FastAPI:
    app = FastAPI()

    def key(product_id: int) -> str:
        return f"product:{product_id}"

    @app.get("/products/{product_id}")
    def read(product_id: int) -> dict:
        cached = cache.get(key(product_id))
        if cached is not None:
            return json.loads(cached)
        row = conn.execute(
            "SELECT id, name, price_cents FROM products WHERE id = ?", (product_id,)
        ).fetchone()
        if row is None:
            raise HTTPException(404, "product not found")  # a miss is not cached
        product = {"id": row[0], "name": row[1], "price_cents": row[2]}
        cache.set(key(product_id), json.dumps(product))  # never expires
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
        # After the commit: deleting first would let a reader cache the old row again.
        cache.delete(key(product_id))
        return {"id": product_id, "name": body.name, "price_cents": body.price_cents}

    return app

import base64
import binascii
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request

ITEM_COUNT = 57


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    db.executemany(
        "INSERT INTO items (id, name) VALUES (?, ?)",
        [(i, f"item-{i}") for i in range(1, ITEM_COUNT + 1)],
    )
    app.state.db = db
    yield
    db.close()


app = FastAPI(lifespan=lifespan)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")).decode(
            "ascii"
        )
    except (binascii.Error, UnicodeError, ValueError):
        raise HTTPException(status_code=400, detail="invalid cursor") from None
    if not (text.isascii() and text.isdigit()):
        raise HTTPException(status_code=400, detail="invalid cursor")
    last_id = int(text)
    # Only the exact string we would have issued is accepted (no padding tricks, no "007").
    # Padding is optional here: "MTA" is accepted like "MTA=".
    if not 1 <= last_id <= ITEM_COUNT or encode_cursor(last_id).rstrip("=") != cursor.rstrip("="):
        raise HTTPException(status_code=400, detail="invalid cursor")
    return last_id


@app.get("/items")
def list_items(
    request: Request,
    limit: int = Query(default=10, ge=1, le=50),
    cursor: str | None = Query(default=None),
) -> dict[str, Any]:
    after = decode_cursor(cursor) if cursor is not None else 0
    rows = request.app.state.db.execute(
        "SELECT id, name FROM items WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
    ).fetchall()
    items = [{"id": row[0], "name": row[1]} for row in rows]
    last_id = items[-1]["id"] if items else ITEM_COUNT
    return {"items": items, "next_cursor": encode_cursor(last_id) if last_id < ITEM_COUNT else None}

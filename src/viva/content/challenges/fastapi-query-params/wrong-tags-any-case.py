from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query

PRODUCTS: list[dict[str, Any]] = [
    {"id": 1, "name": "Wireless Mouse", "price": 24.5, "tags": ["electronics", "accessories"]},
    {"id": 2, "name": "Mechanical Keyboard", "price": 89.0, "tags": ["electronics", "accessories"]},
    {"id": 3, "name": "USB-C Cable", "price": 9.99, "tags": ["electronics", "cables"]},
    {"id": 4, "name": "Laptop Stand", "price": 39.95, "tags": ["accessories", "office"]},
    {"id": 5, "name": "Desk Lamp", "price": 27.0, "tags": ["office", "lighting"]},
    {
        "id": 6,
        "name": "Noise Cancelling Headphones",
        "price": 199.0,
        "tags": ["electronics", "audio"],
    },
    {"id": 7, "name": "Bluetooth Speaker", "price": 59.9, "tags": ["electronics", "audio"]},
    {"id": 8, "name": "Office Chair", "price": 149.0, "tags": ["office", "furniture"]},
    {"id": 9, "name": "Standing Desk", "price": 329.0, "tags": ["office", "furniture"]},
    {"id": 10, "name": "Mouse Pad", "price": 12.0, "tags": ["accessories", "office"]},
    {"id": 11, "name": "HDMI Cable", "price": 14.5, "tags": ["electronics", "cables"]},
    {"id": 12, "name": "Webcam", "price": 64.0, "tags": ["electronics", "video"]},
]

app = FastAPI()


@app.get("/search")
def search(
    q: Annotated[str, Query(min_length=1, max_length=50)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Literal["asc", "desc"] = "asc",
    tags: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    wanted = tags or []
    needle = q.casefold()
    matches = [
        p
        for p in PRODUCTS
        if needle in p["name"].casefold()
        and all(t.lower() in p["tags"] for t in wanted)  # Office matches office
    ]
    matches.sort(key=lambda p: p["price"], reverse=sort == "desc")
    return {
        "q": q,
        "limit": limit,
        "offset": offset,
        "sort": sort,
        "tags": wanted,
        "total": len(matches),
        "results": matches[offset : offset + limit],
    }

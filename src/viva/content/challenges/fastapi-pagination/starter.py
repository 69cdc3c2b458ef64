import base64

from fastapi import FastAPI, HTTPException, Query

app = FastAPI()

# 57 items: {"id": i, "name": f"item-{i}"} for i in 1..57.
# Add `GET /items?limit=&cursor=` returning {"items": [...], "next_cursor": str | None}.

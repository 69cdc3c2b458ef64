import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request

LIMIT = 3
WINDOW_SECONDS = 60.0


class FixedWindowLimiter:
    """Per-key fixed windows: a window opens at a key's first request and lasts `window` s."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] | None = None) -> None:
        self.limit = limit
        self.window = window
        # time.monotonic looked up now, not at import: the tests replace it to move time.
        self.clock = clock or time.monotonic
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def hit(self, key: str) -> tuple[bool, int, int]:
        """(allowed, remaining, retry_after seconds) for one request by `key`."""
        now = self.clock()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        if count >= self.limit:
            retry_after = max(1, round(start + self.window - now))  # rounded to nearest
            return False, 0, retry_after
        count += 1
        self._windows[key] = (start, count)
        return True, self.limit - count, 0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.limiter = FixedWindowLimiter(LIMIT, WINDOW_SECONDS)
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/api/data")
def get_data(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    if not x_api_key:
        raise HTTPException(status_code=401, detail="missing api key")
    allowed, remaining, retry_after = request.app.state.limiter.hit(x_api_key)
    if not allowed:
        raise HTTPException(
            status_code=429, detail="rate limit exceeded", headers={"Retry-After": str(retry_after)}
        )
    return {"ok": True, "remaining": remaining}

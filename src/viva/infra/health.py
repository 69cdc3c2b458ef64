"""Liveness and readiness: `/healthz` (the process answers) and `/readyz` (it can serve).

Redis is optional at run time: while it is down `/healthz` stays 200 and says "degraded",
and `/readyz` reports `redis: false` but stays 200, since every route has a fallback (the
cache is off, rate limits are per process, submissions wait as queued). Only the database
makes the API unready.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from viva.infra.redis import RedisClient

router = APIRouter(tags=["ops"])


def _redis(request: Request) -> RedisClient | None:
    client: RedisClient | None = getattr(request.app.state, "redis", None)
    return client


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, Any]:
    """Alive: the process answers ("degraded" while Redis is unreachable)."""
    redis = _redis(request)
    if redis is None:
        return {"status": "ok"}
    up = redis.available
    return {"status": "ok" if up else "degraded", "redis": up}


@router.get("/readyz", responses={503: {"description": "database unreachable"}})
async def readyz(request: Request) -> JSONResponse:
    """Ready: the database answers a query (Redis is reported, not required)."""
    ok = await request.app.state.database.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "database": ok}
    redis = _redis(request)
    if redis is not None:
        body["redis"] = await redis.ping()
    return JSONResponse(body, status_code=200 if ok else 503)

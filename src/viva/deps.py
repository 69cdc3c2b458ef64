"""Annotated dependency aliases shared by routes and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import Database
from viva.infra.cache import Cache
from viva.infra.ratelimit import RateLimiter
from viva.settings import Settings

# The providers are `async def` although they do not await: FastAPI runs a plain `def`
# dependency in its thread pool, and that hop cost more than the rest of a signed-in GET.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the route returns, rolled back on error."""
    database: Database = request.app.state.database
    async with database.session() as session:
        yield session


def client_key(request: Request) -> str:
    """Who a per-client limit counts against: the signed-in user, else the IP address."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return f"user:{principal.user.id}"
    return f"ip:{request.client.host}" if request.client else "ip:unknown"


async def limit_submissions(request: Request, response: Response) -> None:
    """At most `VIVA_RATE_LIMIT_SUBMISSIONS` runs and submissions per client."""
    settings: Settings = request.app.state.settings
    limiter: RateLimiter = request.app.state.rate_limiter
    headers = await limiter.hit("submissions", client_key(request), settings.rate_limit_submissions)
    response.headers.update(headers)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SubmissionLimit = Depends(limit_submissions)
DatabaseDep = Annotated[Database, Depends(get_database)]
CacheDep = Annotated[Cache, Depends(get_cache)]
# scope="function": the unit of work commits before the response is sent, so a client that
# follows up at once (POST then GET) reads what it wrote. The default ("request") scope
# exits after the response, and a fast client raced the commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones cannot exist
DbId = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id")]

"""The auth cache: signed-in requests skip the database, yet a demoted, disabled or deleted
user and a revoked API key are refused at once by the process that committed the change,
and within AUTH_CACHE_SECONDS by any other (here: a second Database, as the CLI would be)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.auth import AUTH_CACHE_SECONDS, AuthCache
from viva.accounts.models import ApiKey, User
from viva.app import create_app
from viva.clock import now
from viva.db import Database
from viva.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    app: FastAPI
    http: httpx.AsyncClient
    clock: Clock

    @property
    def own_database(self) -> Database:
        """The serving process's database: its commits reach its auth cache."""
        database: Database = self.app.state.database
        return database


@pytest.fixture
async def served(settings: Settings, database: Database) -> AsyncIterator[Served]:
    app = create_app(settings)
    clock = Clock()
    cache: AuthCache = app.state.auth_cache
    for entries in (cache.users, cache.tokens, cache.api_keys):
        entries.clock = clock
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as http:
            yield Served(app, http, clock)


async def signed_in(
    database: Database, settings: Settings, role: str
) -> tuple[int, dict[str, str]]:
    async with database.session() as session:
        user = await accounts.create_user(
            session, username=f"c-{uuid.uuid4().hex[:10]}", password=None, role=role
        )
    token = security.encode_token(
        user_id=user.id,
        role=role,
        kind="access",
        ttl=security.ACCESS_TTL,
        key=settings.effective_secret_key,
    )
    return user.id, {"Authorization": f"Bearer {token}"}


async def set_user(database: Database, user_id: int, **values: object) -> None:
    async with database.session() as session:
        user = await session.get(User, user_id)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)


async def test_a_demotion_committed_by_the_serving_process_applies_at_once(
    served: Served, database: Database, settings: Settings
) -> None:
    user_id, admin = await signed_in(database, settings, "admin")
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200
    assert (await served.http.get("/api/v1/me", headers=admin)).json()["role"] == "admin"
    await set_user(served.own_database, user_id, role="candidate")
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 403
    assert (await served.http.get("/api/v1/me", headers=admin)).json()["role"] == "candidate"


async def test_a_disabled_or_deleted_user_is_refused_at_once_by_the_serving_process(
    served: Served, database: Database, settings: Settings
) -> None:
    disabled_id, disabled = await signed_in(database, settings, "candidate")
    deleted_id, deleted = await signed_in(database, settings, "candidate")
    for headers in (disabled, deleted):
        assert (await served.http.get("/api/v1/me", headers=headers)).status_code == 200
    await set_user(served.own_database, disabled_id, is_active=False)
    async with served.own_database.session() as session:
        await session.delete(await session.get(User, deleted_id))
    for headers in (disabled, deleted):
        assert (await served.http.get("/api/v1/me", headers=headers)).status_code == 401


async def test_a_change_made_by_another_process_applies_within_the_bound(
    served: Served, database: Database, settings: Settings
) -> None:
    user_id, admin = await signed_in(database, settings, "admin")
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200
    await set_user(database, user_id, role="candidate")  # not this process's cache
    served.clock.now += AUTH_CACHE_SECONDS / 2
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200  # stale
    served.clock.now += AUTH_CACHE_SECONDS / 2
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 403


async def test_an_api_key_revoked_by_another_process_stops_within_the_bound(
    served: Served, database: Database, settings: Settings
) -> None:
    _, bearer = await signed_in(database, settings, "candidate")
    created = await served.http.post(
        "/api/v1/me/api-keys", json={"name": "ci", "scopes": ["read"]}, headers=bearer
    )
    key = {"X-API-Key": created.json()["key"]}
    assert (await served.http.get("/api/v1/me", headers=key)).status_code == 200
    async with database.session() as session:
        row = (await session.scalars(select(ApiKey).where(ApiKey.id == created.json()["id"]))).one()
        row.revoked_at = now()
    served.clock.now += AUTH_CACHE_SECONDS
    assert (await served.http.get("/api/v1/me", headers=key)).status_code == 401


async def test_signed_in_callers_share_the_public_cache_but_bad_credentials_do_not(
    served: Served, database: Database, settings: Settings
) -> None:
    _, bearer = await signed_in(database, settings, "candidate")
    first = await served.http.get("/api/v1/questions/2", headers=bearer)
    assert first.status_code == 200 and "etag" in first.headers  # stored by a signed-in call
    anonymous = await served.http.get("/api/v1/questions/2")
    assert anonymous.headers["etag"] == first.headers["etag"]
    again = await served.http.get("/api/v1/questions/2", headers=bearer)
    assert again.content == first.content
    forged = {
        "Authorization": "Bearer "
        + security.encode_token(
            user_id=1, role="admin", kind="access", ttl=security.ACCESS_TTL, key="x" * 40
        )
    }
    for headers in (forged, {"Authorization": "Bearer nonsense"}, {"X-API-Key": "viva_nope"}):
        assert (await served.http.get("/api/v1/questions/2", headers=headers)).status_code == 401
    # a private route is never answered from the cache
    me = await served.http.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and "etag" not in me.headers


async def test_with_redis_a_change_reaches_every_process_at_once(redis_url: str) -> None:
    prefix = f"viva-test-{uuid.uuid4().hex}"
    here, there = (AuthCache(ttl=600, redis_url=redis_url, prefix=prefix) for _ in range(2))
    await here.start()
    await there.start()
    try:
        user = User(id=7, username="someone", role="admin", created_at=now())
        for cache in (here, there):
            cache.keep_user(user)
            cache.api_keys.set("digest", (7, ("read",)))
        here.forget({("user", 7), ("key", "digest")})
        assert here.users.get(7) is None
        for _ in range(200):
            if there.users.get(7) is None and there.api_keys.get("digest") is None:
                break
            await asyncio.sleep(0.01)
        assert there.users.get(7) is None and there.api_keys.get("digest") is None
    finally:
        await here.close()
        await there.close()

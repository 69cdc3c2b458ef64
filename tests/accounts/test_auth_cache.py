"""The auth cache: signed-in requests skip the database, yet a demoted, disabled or deleted
user and a revoked API key are refused at once by the process that committed the change,
and within AUTH_CACHE_SECONDS by any other (here: a second Database, as the CLI would be)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import event, select

from tests import factories
from tests.factories import bearer
from tests.served import Clock, Served, serve_in_process, two_processes
from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.auth_cache import AUTH_CACHE_SECONDS, AuthCache
from viva.accounts.models import ApiKey, User
from viva.accounts.roles import Role
from viva.clock import now
from viva.db import Database
from viva.settings import Settings
from viva.web.cookies import SESSION_COOKIE


def _auth_clock(app: FastAPI, clock: Clock) -> None:
    cache: AuthCache = app.state.auth_cache
    for entries in (cache.users, cache.tokens, cache.api_keys):
        entries.clock = clock


@pytest.fixture(name="served")
async def served_app(settings: Settings, database: Database) -> AsyncIterator[Served]:
    async with serve_in_process(settings, _auth_clock) as app:
        yield app


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


async def test_a_demotion_committed_by_the_serving_process_revokes_its_tokens_at_once(
    served: Served, database: Database, settings: Settings
) -> None:
    user_id, admin = await signed_in(database, settings, "admin")
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200
    assert (await served.http.get("/api/v1/me", headers=admin)).json()["role"] == "admin"
    await set_user(served.own_database, user_id, role="candidate")
    assert (await served.http.get("/api/v1/me", headers=admin)).status_code == 401
    async with database.session() as session:
        demoted = await session.get(User, user_id)
        assert demoted is not None and demoted.token_version == 1
    fresh = bearer(demoted, key=settings.effective_secret_key)  # signed in again
    assert (await served.http.get("/api/v1/users", headers=fresh)).status_code == 403
    assert (await served.http.get("/api/v1/me", headers=fresh)).json()["role"] == "candidate"


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
    assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 401


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


# Token versions: revocation before a token expires ---------------------------------------------


async def password_pair(served: Served, database: Database) -> tuple[int, dict[str, str], str]:
    """A user signed in with a password: (id, bearer header, refresh token)."""
    async with database.session() as session:
        user = await factories.user(session)
    answer = await served.http.post(
        "/api/v1/auth/token", data={"username": user.username, "password": factories.PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    pair = answer.json()
    return user.id, {"Authorization": f"Bearer {pair['access_token']}"}, pair["refresh_token"]


async def test_sign_out_everywhere_refuses_every_earlier_token_and_refresh_token(
    served: Served, database: Database
) -> None:
    _, first, first_refresh = await password_pair(served, database)
    async with database.session() as session:
        username = (await session.scalars(select(User.username))).all()[-1]
    second = await served.http.post(
        "/api/v1/auth/token", data={"username": username, "password": factories.PASSWORD}
    )
    other_device = {"Authorization": f"Bearer {second.json()['access_token']}"}
    for headers in (first, other_device):
        assert (await served.http.get("/api/v1/me", headers=headers)).status_code == 200
    out = await served.http.post("/api/v1/auth/logout-everywhere", headers=first)
    assert out.status_code == 204
    for headers in (first, other_device):
        assert (await served.http.get("/api/v1/me", headers=headers)).status_code == 401
    for refresh in (first_refresh, second.json()["refresh_token"]):
        spent = await served.http.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
        assert spent.status_code == 401
    again = await served.http.post(
        "/api/v1/auth/token", data={"username": username, "password": factories.PASSWORD}
    )
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await served.http.get("/api/v1/me", headers=fresh)).status_code == 200


async def test_after_a_password_change_the_old_token_and_password_are_refused(
    served: Served, database: Database
) -> None:
    user_id, old, _ = await password_pair(served, database)
    wrong = await served.http.put(
        "/api/v1/me/password",
        json={"current_password": "not the password", "new_password": "a new password 42"},
        headers=old,
    )
    assert wrong.status_code == 403
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 200  # unchanged
    changed = await served.http.put(
        "/api/v1/me/password",
        json={"current_password": factories.PASSWORD, "new_password": "a new password 42"},
        headers=old,
    )
    assert changed.status_code == 200, changed.text
    new = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 401
    assert (await served.http.get("/api/v1/me", headers=new)).json()["id"] == user_id
    me = (await served.http.get("/api/v1/me", headers=new)).json()
    for password, status in ((factories.PASSWORD, 401), ("a new password 42", 200)):
        answer = await served.http.post(
            "/api/v1/auth/token", data={"username": me["username"], "password": password}
        )
        assert answer.status_code == status


async def test_a_password_changed_by_another_process_revokes_within_the_bound(
    served: Served, database: Database, settings: Settings
) -> None:
    user_id, old = await signed_in(database, settings, "candidate")
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 200
    await set_user(database, user_id, password_hash=security.hash_password("another one 123"))
    served.clock.now += AUTH_CACHE_SECONDS / 2
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 200  # stale
    served.clock.now += AUTH_CACHE_SECONDS / 2
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 401


async def test_a_token_newer_than_the_cached_user_is_accepted_at_once(
    served: Served, database: Database, settings: Settings
) -> None:
    """Signing in again right after a change made elsewhere must not be refused by the
    stale entry of this process."""
    user_id, old = await signed_in(database, settings, "candidate")
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 200
    async with database.session() as session:  # another process: logout everywhere
        await accounts.sign_out_everywhere(session, user_id=user_id)
    async with database.session() as session:
        user = await session.get(User, user_id)
        assert user is not None and user.token_version == 1
    fresh = bearer(user, key=settings.effective_secret_key)
    assert (await served.http.get("/api/v1/me", headers=fresh)).status_code == 200
    assert (await served.http.get("/api/v1/me", headers=old)).status_code == 401  # cache reloaded


async def test_an_admin_disables_or_demotes_a_user_and_their_tokens_stop(
    served: Served, database: Database, settings: Settings
) -> None:
    admin_id, admin = await signed_in(database, settings, "admin")
    user_id, user = await signed_in(database, settings, "interviewer")
    assert (await served.http.get("/api/v1/me/candidates", headers=user)).status_code == 200
    demoted = await served.http.patch(
        f"/api/v1/users/{user_id}", json={"role": "candidate"}, headers=admin
    )
    assert demoted.status_code == 200 and demoted.json()["role"] == "candidate"
    assert (await served.http.get("/api/v1/me", headers=user)).status_code == 401
    disabled = await served.http.patch(
        f"/api/v1/users/{user_id}", json={"is_active": False}, headers=admin
    )
    assert disabled.status_code == 200
    async with database.session() as session:
        row = await session.get(User, user_id)
        assert row is not None and row.token_version == 2 and not row.is_active
    # a token of the current version is refused too: the account is disabled
    assert (
        await served.http.get("/api/v1/me", headers=bearer(row, key=settings.effective_secret_key))
    ).status_code == 401
    for body in ({"role": "candidate"}, {"is_active": False}):
        own = await served.http.patch(f"/api/v1/users/{admin_id}", json=body, headers=admin)
        assert own.status_code == 422
    candidate_id, candidate = await signed_in(database, settings, "candidate")
    refused = await served.http.patch(
        f"/api/v1/users/{candidate_id}", json={"role": "admin"}, headers=candidate
    )
    assert refused.status_code == 403
    missing = await served.http.patch("/api/v1/users/999999", json={"role": "admin"}, headers=admin)
    assert missing.status_code == 404


async def test_a_session_cookie_of_an_older_version_signs_nobody_in(
    served: Served, database: Database, settings: Settings
) -> None:
    user_id, _ = await signed_in(database, settings, "candidate")
    cookie = security.encode_token(
        user_id=user_id,
        role="candidate",
        kind="session",
        ttl=security.SESSION_TTL,
        key=settings.effective_secret_key,
    )
    served.http.cookies.set(SESSION_COOKIE, cookie)
    assert (await served.http.get("/api/v1/me")).status_code == 200
    async with served.own_database.session() as session:
        await accounts.sign_out_everywhere(session, user_id=user_id)
    assert (await served.http.get("/api/v1/me")).status_code == 401  # anonymous now


async def test_with_redis_a_process_reads_users_from_redis_and_sees_a_change_at_once(
    settings: Settings, database: Database, redis_url: str
) -> None:
    """Two processes (two apps) share Redis: the second resolves a token without the
    database, and refuses it as soon as the first commits a sign-out everywhere."""
    shared = settings.model_copy(
        update={"redis_url": redis_url, "cache_prefix": f"viva-test-{uuid.uuid4().hex}"}
    )
    user_id, headers = await signed_in(database, settings, "candidate")
    async with two_processes(shared) as (one, other):
        here, there, first, second = one.app, other.app, one.http, other.http
        assert (await first.get("/api/v1/me", headers=headers)).status_code == 200
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        engine = there.state.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert (await second.get("/api/v1/me", headers=headers)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert statements == []  # from Redis, not the database
        async with here.state.database.session() as session:
            await accounts.sign_out_everywhere(session, user_id=user_id)
        for _ in range(200):  # the pub/sub notice drops `there`'s entry (milliseconds)
            if there.state.auth_cache.users.get(user_id) is None:
                break
            await asyncio.sleep(0.01)
        assert (await second.get("/api/v1/me", headers=headers)).status_code == 401
        assert (await first.get("/api/v1/me", headers=headers)).status_code == 401


async def test_with_redis_a_change_made_outside_the_api_is_seen_once_the_shared_entry_expires(
    settings: Settings, database: Database, redis_url: str
) -> None:
    """The README's bound for the CLI or raw SQL with Redis (nothing is published): the
    process TTL plus the shared entry's (here 3 s instead of AUTH_SHARED_SECONDS)."""
    shared = settings.model_copy(
        update={"redis_url": redis_url, "cache_prefix": f"viva-test-{uuid.uuid4().hex}"}
    )

    def short_shared_entry(app: FastAPI, clock: Clock) -> None:
        _auth_clock(app, clock)
        app.state.auth_cache.shared_ttl = 3

    user_id, admin = await signed_in(database, settings, "admin")
    async with serve_in_process(shared, short_shared_entry) as served:
        assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200
        await set_user(database, user_id, role="candidate")  # as the CLI does: no AuthCache
        served.clock.now += AUTH_CACHE_SECONDS  # the process's entry expired
        assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 200
        await asyncio.sleep(3.2)  # the shared entry expires in Redis (real time)
        served.clock.now += AUTH_CACHE_SECONDS
        assert (await served.http.get("/api/v1/users", headers=admin)).status_code == 401


def test_a_user_built_from_a_cached_row_works_in_a_process_that_ran_no_query() -> None:
    """A process whose first sign-in comes from the shared Redis entry has run no query, so
    the ORM's mappers may not be configured yet when the cached user is built (that gave
    AttributeError on `user.role`: 500 on every signed-in request). A fresh interpreter
    that loads the app and builds one, as that process does."""
    import subprocess
    import sys

    code = (
        "from datetime import UTC, datetime\n"
        "import viva.app\n"
        "from viva.accounts.auth_cache import UserRow, detached\n"
        "from viva.accounts.roles import Role\n"
        "row = UserRow(id=7, username='ana', role=Role.CANDIDATE,"
        " created_at=datetime.now(UTC), password_hash=None, token_version=1)\n"
        "user = detached(row)\n"
        "print(user.role, user.username, user.token_version)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(Role.CANDIDATE), "ana", "1"]

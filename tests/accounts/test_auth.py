"""Sign-in: OAuth2 password flow, rotating refresh tokens, API keys, cookie sessions with CSRF,
ownership of submissions, backoff, audit log, and no secret in the logs."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import Client
from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.models import ApiKey, AuditEntry
from viva.db import Database
from viva.grading.challenges import load_challenges
from viva.settings import Settings

PASSWORD = "correct horse battery staple"
SOLUTION = load_challenges()["palindrome"].solution


async def new_user(database: Database, role: str = "candidate") -> str:
    name = f"u-{uuid.uuid4().hex[:10]}"
    async with database.session() as session:
        await accounts.create_user(session, username=name, password=PASSWORD, role=role)
    return name


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


async def test_password_flow_and_me(client: Client, database: Database) -> None:
    name = await new_user(database)
    tokens = (await sign_in(client, name)).json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["username"] == name and me.json()["role"] == "candidate"
    wrong = await sign_in(client, name, "not the password")
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    forged = await client.get("/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


async def test_repeated_failures_back_off_even_for_the_right_password(
    client: Client, database: Database
) -> None:
    name = await new_user(database)
    for _ in range(5):
        assert (await sign_in(client, name, "guess")).status_code == 401
    blocked = await sign_in(client, name)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_family(
    client: Client, database: Database
) -> None:
    first = (await sign_in(client, await new_user(database))).json()
    second = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401 and "already used" in replay.json()["detail"]
    # The thief's replay also cut off the legitimate holder of the newer token.
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401


async def test_api_keys_are_hashed_scoped_and_revocable(client: Client, database: Database) -> None:
    created = await client.post(
        "/api/v1/me/api-keys", json={"name": "ci", "scopes": ["read"]}, headers=client.candidate
    )
    assert created.status_code == 201
    key = created.json()["key"]
    async with database.session() as session:
        stored = (
            await session.scalars(select(ApiKey).where(ApiKey.id == created.json()["id"]))
        ).one()
        assert key not in (stored.key_hash, stored.prefix) and stored.last_used_at is None
    assert (await client.get("/api/v1/me", headers={"X-API-Key": key})).status_code == 200
    read_only = await client.post(
        "/api/v1/challenges/palindrome/run", json={"source": SOLUTION}, headers={"X-API-Key": key}
    )
    assert read_only.status_code == 403
    listed = (await client.get("/api/v1/me/api-keys", headers=client.candidate)).json()
    assert listed[0]["last_used_at"] is not None and "key" not in listed[0]
    assert (
        await client.delete(f"/api/v1/me/api-keys/{created.json()['id']}", headers=client.candidate)
    ).status_code == 204
    assert (await client.get("/api/v1/me", headers={"X-API-Key": key})).status_code == 401


async def test_cookie_sessions_need_the_csrf_token(client: Client, database: Database) -> None:
    name = await new_user(database)
    page = await client.get("/auth/login")
    csrf = page.cookies["viva_csrf"]
    no_token = await client.post("/auth/login", data={"username": name, "password": PASSWORD})
    assert no_token.status_code == 403
    ok = await client.post(
        "/auth/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf}
    )
    assert ok.status_code == 303
    set_cookie = ok.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith("viva_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    csrf = client.cookies["viva_csrf"]
    forged = await client.post("/api/v1/challenges/palindrome/run", json={"source": SOLUTION})
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]
    allowed = await client.post(
        "/api/v1/challenges/palindrome/run",
        json={"source": SOLUTION},
        headers={"X-CSRF-Token": csrf},
    )
    assert allowed.status_code == 200
    client.cookies.clear()


async def test_candidates_see_only_their_own_submissions(
    client: Client, database: Database
) -> None:
    mine = await client.post(
        "/api/v1/challenges/palindrome/submissions?wait=true",
        json={"source": SOLUTION},
        headers=client.candidate,
    )
    url = mine.headers["location"]
    assert (await client.get(url, headers=client.candidate)).status_code == 200
    token = (await sign_in(client, await new_user(database))).json()["access_token"]
    other = {"Authorization": f"Bearer {token}"}
    assert (await client.get(url, headers=other)).status_code == 404
    assert (await client.get(url, headers=client.admin)).status_code == 200
    progress = (await client.get("/api/v1/me/progress", headers=client.candidate)).json()
    assert progress["solved"] == 1 and progress["streak_days"] == 1
    assert progress["categories"][0]["category"] == "Python Programming Fundamentals"


async def test_admin_actions_are_audited(client: Client) -> None:
    name = f"made-{uuid.uuid4().hex[:6]}"
    created = await client.post(
        "/api/v1/users",
        json={"username": name, "password": PASSWORD, "role": "interviewer"},
        headers=client.admin,
    )
    assert created.status_code == 201
    log = (await client.get("/api/v1/audit", headers=client.admin)).json()
    assert any(e["action"] == "user.create" and e["target"] == name for e in log)
    assert (await client.get("/api/v1/audit", headers=client.candidate)).status_code == 403


async def test_secrets_never_reach_the_logs(
    client: Client, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from viva.settings import Settings

    secret = Settings().model_copy().secret_key
    name = await new_user(database)
    await sign_in(client, name)
    await sign_in(client, name, "a wrong password 123")
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert PASSWORD not in logs and "a wrong password 123" not in logs
    if secret is not None:
        assert secret.get_secret_value() not in logs
    async with database.session() as session:
        rows = (await session.scalars(select(AuditEntry))).all()
        assert all(PASSWORD not in str(r.detail) for r in rows)


async def test_signup_is_closed_until_an_admin_opens_it(client: Client) -> None:
    body = {"username": f"new-{uuid.uuid4().hex[:6]}", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/signup", json=body)).status_code == 403
    opened = await client.put(
        "/api/v1/admin/settings", json={"open_signup": True}, headers=client.admin
    )
    assert opened.json() == {"open_signup": True}
    created = await client.post("/api/v1/auth/signup", json=body)
    assert created.status_code == 201 and created.json()["role"] == "candidate"
    assert (await client.post("/api/v1/auth/signup", json=body)).status_code == 409
    await client.put("/api/v1/admin/settings", json={"open_signup": False}, headers=client.admin)
    again = {"username": f"new-{uuid.uuid4().hex[:6]}", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/signup", json=again)).status_code == 403
    log = (await client.get("/api/v1/audit", headers=client.admin)).json()
    assert [e["target"] for e in log if e["action"] == "settings.open_signup"][:2] == [
        "false",
        "true",
    ]


async def test_the_signup_form_creates_a_candidate_and_signs_it_in(client: Client) -> None:
    closed = await client.get("/auth/signup")
    assert closed.status_code == 200 and "Sign-up is closed" in closed.text
    await client.put("/api/v1/admin/settings", json={"open_signup": True}, headers=client.admin)
    page = await client.get("/auth/signup")
    assert page.status_code == 200
    csrf = page.cookies["viva_csrf"]
    name = f"form-{uuid.uuid4().hex[:6]}"
    forged = await client.post("/auth/signup", data={"username": name, "password": PASSWORD})
    assert forged.status_code == 403
    short = await client.post(
        "/auth/signup", data={"username": name, "password": "short", "csrf_token": csrf}
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text
    created = await client.post(
        "/auth/signup", data={"username": name, "password": PASSWORD, "csrf_token": csrf}
    )
    assert created.status_code == 303 and created.headers["location"] == "/progress"
    assert "viva_session" in created.cookies
    progress = await client.get("/progress")
    assert progress.status_code == 200 and name in progress.text
    client.cookies.clear()
    csrf = (await client.get("/auth/signup")).cookies["viva_csrf"]
    taken = await client.post(
        "/auth/signup", data={"username": name, "password": PASSWORD, "csrf_token": csrf}
    )
    assert taken.status_code == 422 and "taken" in taken.text


async def test_reveals_and_ratings_count_in_progress(client: Client) -> None:
    qid = (await client.get("/api/v1/questions?q=palindrome")).json()["items"][0]["id"]
    assert (
        await client.post(f"/api/v1/questions/{qid}/reveal", headers=client.candidate)
    ).status_code == 204
    for rating in ("again", "good", "good"):
        response = await client.post(
            f"/api/v1/questions/{qid}/rating", json={"rating": rating}, headers=client.candidate
        )
        assert response.status_code == 204
    bad = await client.post(
        f"/api/v1/questions/{qid}/rating", json={"rating": "meh"}, headers=client.candidate
    )
    assert bad.status_code == 422
    assert (
        await client.post("/api/v1/questions/999999/reveal", headers=client.candidate)
    ).status_code == 404
    progress = (await client.get("/api/v1/me/progress", headers=client.candidate)).json()
    assert progress["reveals"] == 1 and progress["ratings"] == {"again": 1, "good": 2}
    assert (await client.post(f"/api/v1/questions/{qid}/reveal")).status_code == 401


async def test_imports_are_for_admins_and_audited(client: Client) -> None:
    files = {"file": ("l.md", b"1. What is a test?\n", "text/markdown")}
    track = f"audit-{uuid.uuid4().hex[:6]}"
    denied = await client.post(
        f"/api/v1/tracks/import?track={track}", files=files, headers=client.candidate
    )
    assert denied.status_code == 403
    assert (
        await client.post(f"/api/v1/tracks/import?track={track}", files=files, headers=client.admin)
    ).status_code == 201
    log = (await client.get("/api/v1/audit", headers=client.admin)).json()
    assert any(e["action"] == "track.import" and e["target"] == track for e in log)


async def test_interviewers_see_only_their_candidates(
    client: Client, database: Database, settings: Settings
) -> None:
    async with database.session() as session:
        interviewer = await accounts.create_user(
            session, username=f"iv-{uuid.uuid4().hex[:6]}", password=None, role="interviewer"
        )
        mine = await accounts.create_user(
            session, username=f"c1-{uuid.uuid4().hex[:6]}", password=None, role="candidate"
        )
        other = await accounts.create_user(
            session, username=f"c2-{uuid.uuid4().hex[:6]}", password=None, role="candidate"
        )
    headers = {}
    for user in (interviewer, mine, other):
        token = security.encode_token(
            user_id=user.id,
            role=user.role,
            kind="access",
            ttl=security.ACCESS_TTL,
            key=settings.effective_secret_key,
        )
        headers[user.id] = {"Authorization": f"Bearer {token}"}
    assigned = await client.post(
        "/api/v1/assignments",
        json={"interviewer_id": interviewer.id, "candidate_id": mine.id},
        headers=client.admin,
    )
    assert assigned.status_code == 204
    urls = {}
    for user in (mine, other):
        response = await client.post(
            "/api/v1/challenges/palindrome/submissions",
            json={"source": SOLUTION},
            headers=headers[user.id],
        )
        urls[user.id] = response.headers["location"]
    assert (await client.get(urls[mine.id], headers=headers[interviewer.id])).status_code == 200
    assert (await client.get(urls[other.id], headers=headers[interviewer.id])).status_code == 404
    assert (
        await client.get(f"/api/v1/users/{mine.id}/progress", headers=headers[interviewer.id])
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/users/{other.id}/progress", headers=headers[interviewer.id])
    ).status_code == 404
    listed = await client.get("/api/v1/me/candidates", headers=headers[interviewer.id])
    assert [u["id"] for u in listed.json()] == [mine.id]
    assert (await client.get("/api/v1/me/candidates", headers=headers[mine.id])).status_code == 403


async def test_interviewers_author_questions(
    client: Client, database: Database, settings: Settings
) -> None:
    from tests.conftest import make_user

    interviewer = await make_user(database, settings, role="interviewer")
    track = f"authored-{uuid.uuid4().hex[:6]}"
    files = {
        "file": ("t.md", b"## Basics\n\n1. What is Python?\n2. What is a list?\n", "text/markdown")
    }
    body = {
        "category": "Async Python",
        "text": "What does asyncio.TaskGroup add over gather()?",
        "difficulty": "hard",
        "tags": ["asyncio"],
    }
    imported = await client.post(
        f"/api/v1/tracks/import?track={track}", files=files, headers=client.admin
    )
    assert imported.status_code in (200, 201), imported.text
    url = f"/api/v1/tracks/{track}/questions"
    assert (await client.post(url, json=body, headers=client.candidate)).status_code == 403
    created = await client.post(url, json=body, headers=interviewer)
    assert created.status_code == 201
    question = created.json()
    assert question["number"] == 3 and question["category"]["title"] == "Async Python"
    found = (await client.get(f"/api/v1/questions?track={track}&q=gather")).json()["items"]
    assert [q["id"] for q in found] == [question["id"]]

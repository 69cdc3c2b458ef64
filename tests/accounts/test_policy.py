"""The permission map covers every route, and every route answers each role accordingly."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import Client, make_user
from viva.accounts.policy import POLICY, PROBES, iter_api_routes
from viva.accounts.roles import PUBLIC, Role
from viva.app import create_app
from viva.db import Database
from viva.settings import Settings

SAMPLE = {
    "slug": "palindrome",
    "question_id": "1",
    "submission_id": "999999",
    "key_id": "999999",
    "token": "not-a-token",
    "number": "8",
    "category": "redis-and-caching",
    "user_id": "999999",
    "interview_id": "999999",
    "room_id": "999999",
    "position": "0",
}
CALLERS = ["anonymous", *Role]
# Routes that revoke the caller's own tokens: called last, so the others still see the caller.
SIGNS_OUT = {("POST", "/api/v1/auth/logout-everywhere")}


def app_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="k" * 40))
    return sorted(
        (method, route.path)
        for route in iter_api_routes(app.routes)
        for method in route.methods - {"HEAD"}
    )


def test_every_route_has_a_policy_and_every_policy_a_route() -> None:
    routes = set(app_routes())
    assert routes - set(POLICY) == set(), "routes without an entry in viva.accounts.policy.POLICY"
    assert set(POLICY) - routes == set(), "policy entries for routes that do not exist"


@pytest.mark.parametrize("role", CALLERS)
async def test_route_matrix(
    role: str, client: Client, database: Database, settings: Settings
) -> None:
    headers = {} if role == "anonymous" else await make_user(database, settings, role=role)
    wrong = []
    for method, path in sorted(app_routes(), key=lambda route: route in SIGNS_OUT):
        url = re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], path)
        kwargs: dict[str, object] = {"headers": headers}
        if method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = {}
        response = await client.request(method, url, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
        needed = POLICY[(method, path)]
        allowed = needed is PUBLIC or (role != "anonymous" and Role(role).includes(needed))
        if not allowed:
            expected = {401} if role == "anonymous" else {403}
            if response.status_code not in expected:
                wrong.append(f"{role} {method} {path}: {response.status_code}, expected {expected}")
        elif response.status_code in (401, 403) and needed is not PUBLIC:
            wrong.append(f"{role} {method} {path}: refused with {response.status_code}")
        elif needed is PUBLIC and response.status_code == 403:
            wrong.append(f"{role} {method} {path}: a public route refused with 403")
    assert not wrong, "\n".join(wrong)


async def test_an_unlisted_route_is_refused(settings: Settings, database: Database) -> None:
    app = create_app(settings)

    @app.get("/api/v1/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"secret": "leaked"}

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as c:
            response = await c.get("/api/v1/forgotten")
    assert response.status_code == 500 and "leaked" not in response.text


async def test_probes_answer_whatever_credentials_come_with_them(
    client: Client, database: Database, settings: Settings
) -> None:
    """A revoked token gets 401 on every other route, public ones too, but not on a probe."""
    assert all(POLICY[probe] is PUBLIC for probe in PROBES)
    headers = await make_user(database, settings, role="candidate")
    signed_out = await client.post("/api/v1/auth/logout-everywhere", headers=headers)
    assert signed_out.status_code in (200, 204), signed_out.text
    assert (await client.get("/api/v1/questions", headers=headers)).status_code == 401
    for bad in (headers, {"Authorization": "Bearer not-a-token"}):
        for _, path in sorted(PROBES):
            response = await client.get(path, headers=bad)
            assert response.status_code == 200, f"{path}: {response.status_code}"

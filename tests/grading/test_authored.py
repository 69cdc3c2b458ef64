"""Interviewers author Python challenges; the reference must pass in the real sandbox first."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from tests.conftest import Client, make_user
from viva.accounts.models import AuditEntry
from viva.db import Database
from viva.grading.models import AuthoredChallenge
from viva.settings import Settings

SOLUTION = "def clamp(x: int, low: int, high: int) -> int:\n    return max(low, min(x, high))\n"
STARTER = "def clamp(x: int, low: int, high: int) -> int:\n    raise NotImplementedError\n"


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": f"clamp-{uuid.uuid4().hex[:6]}",
        "title": "Clamp a number",
        "kind": "function",
        "difficulty": "easy",
        "tags": ["numbers"],
        "prompt": "Write `clamp(x, low, high)`.",
        "starter": STARTER,
        "solution": SOLUTION,
        "tests": [
            {"name": "inside", "kind": "call", "call": "clamp", "args": [5, 0, 10], "expected": 5},
            {
                "name": "below",
                "kind": "call",
                "call": "clamp",
                "args": [-3, 0, 10],
                "expected": 0,
                "hidden": True,
            },
            {
                "name": "above",
                "kind": "call",
                "call": "clamp",
                "args": [99, 0, 10],
                "expected": 10,
                "hidden": True,
            },
        ],
    }
    return data | changes


async def test_an_interviewer_authors_a_challenge_that_candidates_solve(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer = await make_user(database, settings, role="interviewer")
    data = body()
    refused = await client.post("/api/v1/challenges", json=data, headers=client.candidate)
    assert refused.status_code == 403
    created = await client.post("/api/v1/challenges", json=data, headers=interviewer)
    assert created.status_code == 201, created.text
    detail = created.json()
    assert detail["hidden_tests"] == 2 and [e["name"] for e in detail["examples"]] == ["inside"]
    assert "max(low" not in created.text  # the reference solution is never shown
    listed = [c["slug"] for c in (await client.get("/api/v1/challenges")).json()]
    assert data["slug"] in listed
    page = await client.get(f"/challenges/{data['slug']}")
    assert page.status_code == 200 and "Clamp a number" in page.text
    verdicts = []
    for source in (SOLUTION, "def clamp(x, low, high):\n    return x\n"):
        graded = await client.post(
            f"/api/v1/challenges/{data['slug']}/submissions?wait=true",
            json={"source": source},
            headers=client.candidate,
        )
        verdicts.append(graded.json()["verdict"])
    assert verdicts == ["Accepted", "Wrong Answer"]
    again = await client.post("/api/v1/challenges", json=data, headers=interviewer)
    assert again.status_code == 409
    async with database.session() as session:
        actions = (await session.scalars(select(AuditEntry.target))).all()
    assert data["slug"] in actions


async def test_bad_challenges_are_refused_and_nothing_is_stored(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer = await make_user(database, settings, role="interviewer")
    wrong_reference = body(solution="def clamp(x, low, high):\n    return low\n")
    cases = {
        "reference solution must be Accepted": wrong_reference,
        "starter already passes": body(starter=SOLUTION),
        "property tests are only for shipped": body(
            tests=[
                *body()["tests"],
                {"name": "p", "kind": "property", "call": "clamp", "strategy": "st.integers()"},
            ]
        ),
        "visible examples and hidden tests": body(tests=body()["tests"][1:]),
        "built-in challenge": body(slug="palindrome"),
        "tests.0.kind": body(tests=[{"name": "x", "kind": "shell"}, *body()["tests"]]),
    }
    for expected, data in cases.items():
        response = await client.post("/api/v1/challenges", json=data, headers=interviewer)
        assert response.status_code in (409, 422), (expected, response.text)
        assert expected in response.json()["detail"], response.json()
    async with database.session() as session:
        assert (await session.scalars(select(AuthoredChallenge))).all() == []


async def test_the_authoring_form_shows_why_and_then_saves(
    client: Client, database: Database
) -> None:
    from tests.practice.test_pages import sign_in

    _, csrf = await sign_in(client, database, "interviewer")
    form = await client.get("/author/challenge")
    assert form.status_code == 200 and "Grade the reference and save" in form.text
    data = body()
    fields = {k: data[k] for k in ("slug", "title", "kind", "difficulty", "prompt", "starter")}
    tests_yaml = (
        "- {name: inside, kind: call, call: clamp, args: [5, 0, 10], expected: 5}\n"
        "- {name: below, kind: call, call: clamp, args: [-3, 0, 10], expected: 0, hidden: true}\n"
    )
    wrong = await client.post(
        "/author/challenge",
        data=fields
        | {"solution": "def clamp(x, low, high):\n    return x\n", "tests": tests_yaml}
        | {"csrf_token": csrf},
    )
    assert wrong.status_code == 422 and "must be Accepted" in wrong.text
    assert "return x" in wrong.text  # what was typed is kept
    bad_yaml = await client.post(
        "/author/challenge",
        data=fields | {"solution": SOLUTION, "tests": "- [unclosed", "csrf_token": csrf},
    )
    assert bad_yaml.status_code == 422 and "not valid YAML" in bad_yaml.text
    saved = await client.post(
        "/author/challenge",
        data=fields | {"solution": SOLUTION, "tests": tests_yaml, "csrf_token": csrf},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/challenges/{data['slug']}"
    page = await client.get(saved.headers["location"])
    assert page.status_code == 200 and "Clamp a number" in page.text


async def test_a_stored_challenge_that_no_longer_validates_leaves_the_others_listed(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer = await make_user(database, settings, role="interviewer")
    good = body()
    assert (
        await client.post("/api/v1/challenges", json=good, headers=interviewer)
    ).status_code == 201
    async with database.session() as session:
        session.add(
            AuthoredChallenge(
                slug="from-another-version",
                meta={"title": "Clamp", "kind": "function", "retired_option": True},
                tests=[],
                prompt="p",
                starter="def clamp(x):\n    pass\n",
                solution="def clamp(x):\n    return x\n",
            )
        )
    listed = await client.get("/api/v1/challenges")
    assert listed.status_code == 200
    slugs = [c["slug"] for c in listed.json()]
    assert good["slug"] in slugs and "palindrome" in slugs and "from-another-version" not in slugs
    graded = await client.post(
        f"/api/v1/challenges/{good['slug']}/submissions?wait=true",
        json={"source": SOLUTION},
        headers=client.candidate,
    )
    assert graded.json()["verdict"] == "Accepted"
    missing = await client.get("/api/v1/challenges/from-another-version")
    assert missing.status_code == 404

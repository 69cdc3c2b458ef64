"""Challenges over the API: list, detail, run the examples, submit, poll; on both databases."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import Engine, event, select

from tests import factories
from viva.app import create_app
from viva.db import Database
from viva.grading.challenges import load_challenges
from viva.grading.models import Submission
from viva.settings import Settings

PALINDROME = load_challenges()["palindrome"]


async def test_list_and_detail_never_reveal_hidden_tests(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/api/v1/challenges")).json()
    assert any(c["slug"] == "palindrome" and c["seed_question"] == 8 for c in listing)
    detail = (await client.get("/api/v1/challenges/palindrome")).json()
    assert detail["starter"] == PALINDROME.starter
    assert [e["name"] for e in detail["examples"]] == [t.name for t in PALINDROME.visible]
    assert detail["hidden_tests"] == len(PALINDROME.tests) - len(PALINDROME.visible)
    hidden_input = next(t for t in PALINDROME.tests if t.hidden).args[0]
    assert hidden_input not in str(detail)
    assert (await client.get("/api/v1/challenges/nope")).status_code == 404


async def test_run_grades_the_visible_examples_and_records_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    response = await client.post(
        "/api/v1/challenges/palindrome/run",
        headers=client.candidate,
        json={"source": PALINDROME.solution},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["verdict"] == "Accepted" and result["total"] == len(PALINDROME.visible)
    assert all(not t["hidden"] and "expected" in t for t in result["tests"])
    async with database.session() as s:
        assert (
            await s.scalars(select(Submission).where(Submission.source == PALINDROME.solution))
        ).all() == []


async def test_submit_and_wait_returns_the_verdict(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/challenges/palindrome/submissions?wait=true",
        headers=client.candidate,
        json={"source": PALINDROME.solution},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["verdict"], body["score"]) == ("done", "Accepted", 1.0)
    assert body["passed"] == body["total"] == len(PALINDROME.tests)
    assert body["created_at"].endswith(("Z", "+00:00")) and body["finished_at"].endswith(
        ("Z", "+00:00")
    )
    polled = (await client.get(response.headers["location"], headers=client.candidate)).json()
    assert polled["verdict"] == "Accepted"


async def test_submit_without_wait_queues_then_completes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/challenges/palindrome/submissions",
        headers=client.candidate,
        json={"source": "def is_palindrome(t):\n    return True\n"},
    )
    assert response.status_code == 202
    location = response.headers["location"]
    for _ in range(200):
        body = (await client.get(location, headers=client.candidate)).json()
        if body["status"] == "done":
            break
        await asyncio.sleep(0.05)
    assert body["verdict"] == "Wrong Answer" and 0 < body["score"] < 1
    wrong = [t for t in body["tests"] if not t["passed"]]
    hidden = [t for t in wrong if t["hidden"]]
    assert hidden and all(
        t["expected"] is None and t["got"] is None and not t["output"] for t in hidden
    )


async def test_bad_sources_get_a_problem_and_are_not_stored(
    client: httpx.AsyncClient, database: Database
) -> None:
    for source, status in (("", 422), ("   \n", 422), ("x" * 70_000, 422), ("a\x00b", 422)):
        response = await client.post(
            "/api/v1/challenges/palindrome/submissions",
            headers=client.candidate,
            json={"source": source},
        )
        assert response.status_code == status, source[:10]
        assert response.headers["content-type"] == "application/problem+json"
    bad_json = await client.post(
        "/api/v1/challenges/palindrome/submissions",
        content=b"\xff\xfe",
        headers={"content-type": "application/json", **client.candidate},
    )
    assert bad_json.status_code == 422
    async with database.session() as s:
        assert (await s.scalars(select(Submission).where(Submission.source == ""))).all() == []


async def test_a_submission_interrupted_by_a_crash_is_graded_on_the_next_start(
    settings: Settings, database: Database
) -> None:
    async with database.session() as s:
        await factories.submission(s, status="running", attempts=1)  # its process died
        await factories.submission(s, source="syntax error here(")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(200):
            async with database.session() as s:
                rows = (
                    await s.scalars(select(Submission).order_by(Submission.id.desc()).limit(2))
                ).all()
            if all(r.status == "done" for r in rows):
                break
            await asyncio.sleep(0.05)
    verdicts = sorted(r.verdict or "" for r in rows)
    assert verdicts == ["Accepted", "Syntax Error"]


async def test_own_submissions_list_newest_first_with_code_and_only_ones_own(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    from tests.conftest import make_user

    wrong = "def is_palindrome(t):\n    return True\n"
    for source in (wrong, PALINDROME.solution):
        response = await client.post(
            "/api/v1/challenges/palindrome/submissions?wait=true",
            headers=client.candidate,
            json={"source": source},
        )
        assert response.status_code == 201
    mine = await client.get("/api/v1/challenges/palindrome/submissions", headers=client.candidate)
    assert mine.status_code == 200
    listed = mine.json()
    assert [s["source"] for s in listed[:2]] == [PALINDROME.solution, wrong]  # newest first
    assert listed[0]["verdict"] == "Accepted" and listed[1]["verdict"] == "Wrong Answer"
    assert listed[0]["passed"] == listed[0]["total"] == len(PALINDROME.tests)
    assert "tests" not in listed[0]  # the list carries no per-test results

    other = await make_user(database, settings, role="candidate")
    theirs = await client.get("/api/v1/challenges/palindrome/submissions", headers=other)
    assert theirs.status_code == 200 and theirs.json() == []
    assert (await client.get("/api/v1/challenges/palindrome/submissions")).status_code == 401
    missing = await client.get("/api/v1/challenges/nope/submissions", headers=client.candidate)
    assert missing.status_code == 404
    limited = await client.get(
        "/api/v1/challenges/palindrome/submissions?limit=1", headers=client.candidate
    )
    assert len(limited.json()) == 1


async def test_a_verdict_waited_for_in_process_is_not_read_back_from_the_database(
    client: httpx.AsyncClient,
) -> None:
    # The claim and the verdict return their row (UPDATE ... RETURNING) and the grader hands
    # the row it stored to the waiting request: once claimed, the row is never SELECTed
    # again, by the grader or by the route (before: three times).
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        response = await client.post(
            "/api/v1/challenges/palindrome/submissions?wait=true",
            headers=client.candidate,
            json={"source": PALINDROME.solution},
        )
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["verdict"]) == ("done", "Accepted")
    claimed = next(i for i, s in enumerate(statements) if s.startswith("UPDATE submissions SET"))
    rows_read = [
        s
        for s in statements[claimed:]
        if s.startswith("SELECT submissions.id,") and "FROM submissions" in s
    ]
    assert rows_read == []

"""Grader integrity through the API, the real queue and the real sandbox, on both databases:
hidden tests say only pass or fail, a Run never sees a hidden test, property cases are
chosen per submission, and a submission always ends with a stored verdict."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import Client
from viva.app import create_app
from viva.db import Database
from viva.grading import grader
from viva.grading.challenges import load_challenges
from viva.grading.models import AuthoredChallenge, Submission
from viva.grading.sandbox.pool import SandboxRunner
from viva.settings import Settings

CHALLENGES = load_challenges()
PALINDROME = CHALLENGES["palindrome"]
ECHO = CHALLENGES["fastapi-json-route"]


async def submit(client: Client, slug: str, source: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/challenges/{slug}/submissions?wait=true",
        headers=client.candidate,
        json={"source": source},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "done"
    return body


def hidden_inputs() -> list[str]:
    return [str(t.args[0]) for t in PALINDROME.tests if t.hidden and t.kind == "call"]


# Hidden tests say only pass/fail and the kind of failure ----------------------------------


async def test_a_wrong_answer_on_a_hidden_http_test_names_no_request(client: Client) -> None:
    unbounded = ECHO.solution.replace("ge=1, ", "")
    assert unbounded != ECHO.solution
    source = unbounded.replace(
        "def echo(payload: EchoIn) -> EchoOut:\n",
        "def echo(payload: EchoIn) -> EchoOut:\n    print('PRINTED-SECRET', payload)\n",
    )
    body = await submit(client, "fastapi-json-route", source)
    assert body["verdict"] == "Wrong Answer"
    assert body["message"].endswith(": wrong answer"), body["message"]
    for leak in ("/echo", "POST", "expected", "422", "status"):
        assert leak not in body["message"], leak
    shown = json.dumps(body)
    # Beside hidden tests nothing printed is shown, a visible example's output neither (Run
    # shows it): the code could have read the hidden requests and printed them there.
    assert "PRINTED-SECRET" not in shown
    assert "repeat=0" not in shown and "repeat=-1" not in shown  # a hidden request's is not
    hidden = [t for t in body["tests"] if t["hidden"]]
    assert hidden and all(set(t) >= {"name", "passed"} for t in hidden)
    assert all(t["message"] == "" and t["output"] == "" for t in hidden)


async def test_an_exception_on_a_hidden_test_shows_no_traceback(client: Client) -> None:
    visible = [str(t.args[0]) for t in PALINDROME.visible]
    source = (
        f"{PALINDROME.solution}\n"
        "_reference = is_palindrome\n"
        "def is_palindrome(text):\n"
        f"    if text not in {visible!r}:\n"
        "        print('PRINTED', text)\n"
        "        raise ValueError('LEAKED ' + repr(text))\n"
        "    return _reference(text)\n"
    )
    body = await submit(client, "palindrome", source)
    assert body["verdict"] == "Runtime Error"
    assert body["message"].endswith(": runtime error"), body["message"]
    shown = json.dumps(body, ensure_ascii=False)
    assert "LEAKED" not in shown and "PRINTED" not in shown and "Traceback" not in shown
    assert not any(text in shown for text in hidden_inputs() if len(text) > 3)


# A Run never sees the hidden tests -------------------------------------------------------

# The candidate's module would find every job the harness holds with gc; the harness's guard
# refuses it that (SEEN is then the refusal), so the jobs are read where they are sent: a
# recording pass-through in front of the app's real runner.
SPY = """
import gc, json

try:
    SEEN = json.dumps(
        [[t.get("kind"), t.get("args"), len(t.get("cases") or [])]
         for j in [o for o in gc.get_objects() if type(o) is dict and "tests" in o]
         for t in j["tests"]],
        ensure_ascii=False,
    )
except RuntimeError as exc:
    SEEN = str(exc)

def is_palindrome(text):
    return SEEN
"""


class Recording:
    """The real runner, keeping each job it is sent."""

    def __init__(self, runner: Any) -> None:
        self.runner, self.jobs = runner, []

    def run(self, job: dict[str, Any], limits: Any) -> Any:
        self.jobs.append(job)
        return self.runner.run(job, limits)

    def close(self) -> None:
        self.runner.close()


@pytest.fixture
def recorded(client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Recording:
    recording = Recording(grader.get_runner(settings))
    monkeypatch.setattr(grader._PROCESS, "runner", recording)
    return recording


def seen_by_the_sandbox(recording: Recording, source: str = SPY) -> list[list[Any]]:
    """What each job with this source held (the reference's runs, resolving property cases,
    are jobs too)."""
    return [
        [[t.get("kind"), t.get("args"), len(t.get("cases") or [])] for t in job["tests"]]
        for job in recording.jobs
        if job["source"] == source
    ]


async def test_a_run_sends_the_sandbox_only_the_visible_examples(
    client: Client, database: Database, recorded: Recording
) -> None:
    response = await client.post(
        "/api/v1/challenges/palindrome/run", headers=client.candidate, json={"source": SPY}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total"] == len(PALINDROME.visible) and not any(
        t["hidden"] for t in result["tests"]
    )
    assert all(
        t["got"] == "gc.get_objects is not available to graded code" for t in result["tests"]
    )
    seen = seen_by_the_sandbox(recorded)
    assert seen and all(seen)
    for tests in seen:  # what the sandbox was sent
        assert [kind for kind, _, _ in tests] == ["call"] * len(PALINDROME.visible)
        assert [args[0] for _, args, _ in tests] == [t.args[0] for t in PALINDROME.visible]
    assert not any(text in response.text for text in hidden_inputs() if len(text) > 3)
    async with database.session() as s:
        assert (await s.scalars(select(Submission).where(Submission.source == SPY))).all() == []


async def test_a_submission_sees_its_hidden_tests_and_property_cases(
    client: Client, sandbox: SandboxRunner, recorded: Recording
) -> None:
    """The same spy, submitted: the sandbox does get every test then (the check that the
    spy sees the whole job, so the Run's view above is all the Run was sent). What it saw
    stays in the judge: a Submit shows nothing the code produced, visible tests included."""
    body = await submit(client, "palindrome", SPY)
    assert all(t["got"] is None and t["output"] == "" for t in body["tests"])
    (seen,) = seen_by_the_sandbox(recorded)
    assert [kind for kind, _, _ in seen] == [t.kind for t in PALINDROME.tests]
    prop = next(t for t in PALINDROME.tests if t.kind == "property")
    assert [n for kind, _, n in seen if kind == "property"] == [prop.examples]


# Property cases are chosen per submission from the secret ---------------------------------


def _property_cases(tests: list[Any]) -> list[list[Any]]:
    return next(t.cases for t in tests if t.kind == "property")


def test_property_cases_depend_on_the_source_and_the_secret(sandbox: Any) -> None:
    secret = "s" * 40
    one = _property_cases(grader.resolved_tests(sandbox, PALINDROME, secret=secret, source="a"))
    again = _property_cases(grader.resolved_tests(sandbox, PALINDROME, secret=secret, source="a"))
    other = _property_cases(grader.resolved_tests(sandbox, PALINDROME, secret=secret, source="b"))
    elsewhere = _property_cases(
        grader.resolved_tests(sandbox, PALINDROME, secret="t" * 40, source="a")
    )
    prop = next(t for t in PALINDROME.tests if t.kind == "property")
    assert len(one) == prop.examples and one == again
    assert other != one and elsewhere != one
    shared = {json.dumps(c) for c in one} & {json.dumps(c) for c in other}
    assert len(shared) < len(one) // 2


def hard_coded(cases: list[list[Any]]) -> str:
    """Right on every listed test and on these generated cases, naive elsewhere."""
    namespace: dict[str, Any] = {}
    exec(PALINDROME.solution, namespace)  # shipped reference, trusted
    reference = namespace["is_palindrome"]
    known = {c[0]: reference(c[0]) for c in cases}
    known |= {str(t.args[0]): t.expected for t in PALINDROME.tests if t.kind == "call"}
    return (
        f"KNOWN = {known!r}\n"
        "def is_palindrome(text):\n"
        "    if text in KNOWN:\n"
        "        return KNOWN[text]\n"
        "    return text == text[::-1]\n"
    )


async def test_hard_coding_the_cases_an_earlier_submission_met_is_not_accepted(
    client: Client, settings: Settings, sandbox: Any
) -> None:
    """Say a candidate learnt every case (inputs and answers) an earlier submission met and
    hard-coded them: before, every submission met those same cases and this was Accepted."""
    from viva.grading.judge.outcome import Verdict, build_job
    from viva.grading.judge.verdict import grade

    secret = settings.effective_secret_key
    earlier = grader.resolved_tests(sandbox, PALINDROME, secret=secret, source="earlier")
    source = hard_coded(_property_cases(earlier))
    outcome = sandbox.run(build_job(PALINDROME, source, earlier), PALINDROME.meta.limits)
    assert grade(PALINDROME, earlier, outcome).verdict == Verdict.ACCEPTED
    body = await submit(client, "palindrome", source)
    assert body["verdict"] == "Wrong Answer"
    # The candidate sees one bit for all hidden tests; the judge, which test failed: only
    # the property test, on the cases this submission met.
    assert all(not t["passed"] for t in body["tests"] if t["hidden"])
    graded = await asyncio.to_thread(
        grader.grade_source, sandbox, PALINDROME, source, visible_only=False, secret=secret
    )
    failed = [t.name for t in graded.tests if not t.passed]
    assert failed == [next(t.name for t in PALINDROME.tests if t.kind == "property")]


async def test_the_same_submission_graded_twice_meets_the_same_cases(client: Client) -> None:
    sloppy = PALINDROME.solution.replace("casefold()", "lower()")
    results = [await submit(client, "palindrome", sloppy) for _ in range(2)]
    first, second = ([(t["name"], t["passed"]) for t in r["tests"]] for r in results)
    assert first == second
    assert results[0]["verdict"] == results[1]["verdict"]


# Every submission ends with a stored verdict ----------------------------------------------


async def test_a_submission_whose_grading_fails_is_stored_as_internal_error(
    settings: Settings, database: Database
) -> None:
    """A challenge row the running Viva cannot load (written by another version) is skipped
    by the catalogue, so grading cannot find it; the real queue stores Internal Error
    instead of leaving the row."""
    async with database.session() as s:
        s.add(
            AuthoredChallenge(
                slug="from-another-version",
                meta={"title": "Clamp", "kind": "function", "retired_option": True},
                tests=[],
                prompt="p",
                starter="def clamp(x):\n    pass\n",
                solution="def clamp(x):\n    return x\n",
            )
        )
        await factories.submission(
            s, challenge="from-another-version", source="def clamp(x):\n    return x\n"
        )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(400):
            async with database.session() as s:
                row = (await s.scalars(select(Submission))).one()
            if row.status == "done":
                break
            await asyncio.sleep(0.05)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://viva.test") as c:
            from tests.conftest import make_user

            admin = await make_user(database, settings, role="admin")
            polled = (await c.get(f"/api/v1/submissions/{row.id}", headers=admin)).json()
    assert (row.status, row.verdict) == ("done", "Internal Error")
    assert row.message == "no challenge 'from-another-version'"
    assert polled["status"] == "done" and polled["verdict"] == "Internal Error"


async def test_lone_surrogates_in_a_traceback_are_stored(client: Client) -> None:
    """Text neither database can encode: the verdict is still stored (it left the row
    running before) and a Run answers instead of failing with a 500."""
    source = (
        "def is_palindrome(text):\n    print('\\udcff\\x00')\n    raise ValueError('\\ud800')\n"
    )
    body = await submit(client, "palindrome", source)
    assert body["verdict"] == "Runtime Error"
    run = await client.post(
        "/api/v1/challenges/palindrome/run", headers=client.candidate, json={"source": source}
    )
    assert run.status_code == 200 and run.json()["verdict"] == "Runtime Error"


async def test_a_source_with_a_lone_surrogate_is_refused(client: Client) -> None:
    response = await client.post(
        "/api/v1/challenges/palindrome/submissions",
        headers={"content-type": "application/json", **client.candidate},
        content=b'{"source": "x = \\"\\ud800\\""}',
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"

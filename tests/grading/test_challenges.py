"""Every shipped challenge: its reference solution is Accepted and its starter is not, in the
real sandbox; prompts and tests are complete."""

from __future__ import annotations

import pytest

from viva.grading.challenges import load_challenges
from viva.grading.grader import resolved_tests
from viva.grading.judge.outcome import Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.pool import SandboxRunner

CHALLENGES = load_challenges()
REQUIRED_SEED_QUESTIONS = {4, 5, 8, 9, 10, 14, 15, 17, 18, 19, 39, 47, 48, 50, 67, 72, 77}


def test_at_least_15_challenges_cover_the_seed_questions_that_ask_for_code() -> None:
    assert len(CHALLENGES) >= 15
    covered = {c.meta.seed_question for c in CHALLENGES.values()}
    assert covered >= REQUIRED_SEED_QUESTIONS, REQUIRED_SEED_QUESTIONS - covered


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_reference_solution_is_accepted(slug: str, sandbox: SandboxRunner) -> None:
    challenge = CHALLENGES[slug]
    outcome = sandbox.run(
        build_job(challenge, challenge.solution, challenge.tests), challenge.meta.limits
    )
    result = grade(challenge, challenge.tests, outcome)
    failures = [(t.name, t.message, t.expected, t.got) for t in result.tests if not t.passed]
    assert result.verdict == Verdict.ACCEPTED, (result.message, failures, outcome.stderr[-1000:])
    assert result.score == 1.0


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_starter_is_not_accepted(slug: str, sandbox: SandboxRunner) -> None:
    challenge = CHALLENGES[slug]
    outcome = sandbox.run(
        build_job(challenge, challenge.starter, challenge.tests), challenge.meta.limits
    )
    assert grade(challenge, challenge.tests, outcome).verdict != Verdict.ACCEPTED


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_challenge_has_examples_hidden_tests_and_a_precise_prompt(slug: str) -> None:
    challenge = CHALLENGES[slug]
    assert len(challenge.visible) >= 3
    assert len(challenge.tests) - len(challenge.visible) >= 6
    assert len(challenge.prompt.split()) >= 40


def test_candidate_code_is_compiled_as_written_not_with_the_harness_future_flags(
    sandbox: SandboxRunner,
) -> None:
    """Nested Pydantic models need real annotations; the harness's own
    `from __future__ import annotations` must not leak into the candidate's module."""
    source = (
        "from fastapi import FastAPI\nfrom pydantic import BaseModel\n"
        "class Item(BaseModel):\n    name: str\n"
        "class Page(BaseModel):\n    items: list[Item]\n"
        "app = FastAPI()\n"
        "@app.get('/page')\ndef page() -> Page:\n    return Page(items=[Item(name='pen')])\n"
    )
    job = {
        "source": source,
        "tests": [
            {"id": 0, "kind": "http", "app": "app", "requests": [{"method": "GET", "url": "/page"}]}
        ],
    }
    from viva.grading.challenges import Limits

    outcome = sandbox.run(job, Limits())
    step = outcome.records[0]["steps"][0]
    assert (step["status"], step["json"]) == (200, {"items": [{"name": "pen"}]}), outcome.records


def test_property_tests_catch_what_the_example_table_misses(sandbox: SandboxRunner) -> None:
    """A solution that ignores only the digits rule passes every listed example but not the
    generated cases, whose expected values come from the reference solution."""
    challenge = CHALLENGES["palindrome"]
    tests = resolved_tests(sandbox, challenge)
    prop = next(t for t in tests if t.kind == "property")
    assert len(prop.cases) >= 50 and len(prop.expected_steps) == len(prop.cases)
    sloppy = (
        "def is_palindrome(text):\n"
        "    c = [x.lower() for x in text if x.isalpha() or x.isdigit()]\n"
        "    return c == c[::-1]\n"
    )
    outcome = sandbox.run(build_job(challenge, sloppy, [prop]), challenge.meta.limits)
    assert grade(challenge, [prop], outcome).verdict == Verdict.WRONG_ANSWER

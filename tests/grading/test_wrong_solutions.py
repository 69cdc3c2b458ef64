"""Subtly wrong solutions kept beside each Python challenge (`wrong-*.py`) are rejected by its
hidden tests, graded by the real grader in the real sandbox; the reference is still Accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from viva.grading.challenges import CHALLENGES_DIR, load_challenge, load_challenges
from viva.grading.grader import grade_source
from viva.grading.judge.outcome import Verdict
from viva.grading.sandbox.pool import SandboxRunner

CHALLENGES = load_challenges()
WRONG = sorted(
    (slug, path) for slug in CHALLENGES for path in (CHALLENGES_DIR / slug).glob("wrong*.py")
)


def test_every_python_challenge_has_at_least_two_wrong_solutions() -> None:
    counts = {slug: sum(s == slug for s, _ in WRONG) for slug in CHALLENGES}
    assert {s: n for s, n in counts.items() if n < 2} == {}


@pytest.mark.parametrize(("slug", "path"), WRONG, ids=[f"{s}/{p.name}" for s, p in WRONG])
def test_wrong_solution_is_not_accepted(slug: str, path: Path, sandbox: SandboxRunner) -> None:
    challenge = CHALLENGES[slug]
    source = path.read_text(encoding="utf-8")
    result = grade_source(sandbox, challenge, source, visible_only=False)
    for _ in range(2):  # none of them loops: a time limit here is a loaded machine
        if result.verdict != Verdict.TIME_LIMIT:
            break
        result = grade_source(sandbox, challenge, source, visible_only=False)
    assert result.verdict not in (Verdict.ACCEPTED, Verdict.INTERNAL_ERROR), result.message
    # Rejected because a test saw a wrong value or an error, not by a typo or the clock.
    assert result.verdict in (Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR), result.message
    assert any(t.status in ("wrong", "error") for t in result.tests), result.message
    assert result.passed > 0, f"{path.name} fails everything: is it a real attempt?"


def test_the_loader_reads_the_reference_not_the_wrong_solutions() -> None:
    # wrong-*.py and equivalent-mutants.yaml sit in the challenge folders; the catalogue
    # reads only its own files, so they never become the reference or a test.
    for slug, path in WRONG:
        challenge = load_challenge(CHALLENGES_DIR / slug)
        assert challenge.solution == (CHALLENGES_DIR / slug / "solution.py").read_text("utf-8")
        assert challenge.solution != path.read_text(encoding="utf-8")

"""The solution's process forked before its job (runtime/separate_spare.py), on the session's
long-lived pool: it never held anything of the job but what the test handed it, it serves
one job only, and it starts as a process forked for a test would (guard, modules without).
"""

from __future__ import annotations

import secrets
from typing import Any

from tests.grading.conftest import SLOTS
from tests.grading.test_isolation import ROOMY, SCANNER
from viva.grading.judge.outcome import RunOutcome
from viva.grading.sandbox.pool import SandboxRunner


def apart_job(source: str, tests: list[dict[str, Any]], *, guard: bool = True) -> dict[str, Any]:
    apart = {"kind": "script", "process": "separate"}
    numbered = [{"id": i, **apart, **t} for i, t in enumerate(tests)]
    return {"source": source, "tests": numbered, "solution_process": "shared", "guard": guard}


def step_values(outcome: RunOutcome, test: int) -> list[Any]:
    records = [r for r in outcome.records if r.get("test") == test]
    assert records, f"no result: {outcome.status} {outcome.stderr[-800:]}"
    steps = records[-1].get("steps")
    assert steps, f"the test failed: {records[-1].get('error')}"
    return [step.get("value", step.get("raised")) for step in steps]


def test_the_solution_process_never_held_the_tests_code_or_hidden_inputs(
    sandbox: SandboxRunner,
) -> None:
    """The scanner as the solution (without the guard, which would refuse it its memory)
    reads its whole process: the test's own code and a later hidden test's input were in
    the job, but never in the solution's process; what the test handed it is (the scan
    can find a marker)."""
    kept, later, handed = ("VIVA-MARK-" + secrets.token_hex(8) for _ in range(3))
    source = SCANNER + "\ndef echo(x):\n    return len(x)\n"
    tests = [
        {
            "setup": f"kept_by_the_test = {kept!r}\n",
            "steps": [{"eval": "solution.scan()"}, {"eval": f"solution.echo({handed!r})"}],
        },
        {"steps": [{"eval": "solution.scan()"}]},
        {"steps": [{"eval": f"solution.echo({later!r})"}]},  # runs after both scans
    ]
    for _ in range(SLOTS):  # every slot, and the spare of a run after another's on each
        outcome = sandbox.run(apart_job(source, tests, guard=False), ROOMY)
        first, second = step_values(outcome, 0), step_values(outcome, 1)
        assert first[1] == len(handed)
        assert kept not in first[0] and later not in first[0], f"the solution read {first[0]}"
        assert kept not in second[0] and later not in second[0]
        assert handed in second[0], "the scanner finds what the test handed the solution"


def test_a_spare_serves_one_job_only(sandbox: SandboxRunner) -> None:
    """Jobs in turn on every slot: each one's solution process is a new one. What a solution
    leaves in its process (its environment, which outlives a module loaded afresh for each
    test) is seen by the job's next test, never by the next job."""
    source = (
        "import os\n"
        "def mark():\n"
        "    os.environ['VIVA_SEEN'] = os.environ.get('VIVA_SEEN', '') + 'x'\n"
        "    return len(os.environ['VIVA_SEEN'])\n"
    )
    tests = [{"steps": [{"eval": "solution.mark()"}]}, {"steps": [{"eval": "solution.mark()"}]}]
    for _ in range(2 * SLOTS):
        outcome = sandbox.run(apart_job(source, tests), ROOMY)
        assert [step_values(outcome, 0), step_values(outcome, 1)] == [[1], [2]]


def test_a_spare_started_without_modules_cannot_import_them(sandbox: SandboxRunner) -> None:
    """The spare is a job's first solution process, also when the first test names modules
    its process is without: those are out before any candidate code runs in it."""
    source = (
        "def has(name):\n"
        "    try:\n        __import__(name)\n    except ImportError:\n        return False\n"
        "    return True\n"
    )
    tests = [
        {
            "solution_without": ["copy"],
            "steps": [{"eval": "[solution.has('copy'), solution.has('json')]"}],
        },
        {"steps": [{"eval": "solution.has('copy')"}]},
    ]
    for _ in range(SLOTS):
        outcome = sandbox.run(apart_job(source, tests), ROOMY)
        assert step_values(outcome, 0) == [[False, True]]
        assert step_values(outcome, 1) == [True]


def test_a_spare_runs_with_the_guard_on(sandbox: SandboxRunner) -> None:
    """Started with the guard (as every graded job is), the spare refuses graded code the
    frames and the object graph, as a solution process forked for a test does."""
    source = (
        "import gc, sys\n"
        "def probe():\n"
        "    out = []\n"
        "    for attempt in (lambda: sys._getframe(), lambda: gc.get_objects()):\n"
        "        try:\n            attempt()\n            out.append('allowed')\n"
        "        except Exception as exc:\n            out.append(type(exc).__name__)\n"
        "    return out\n"
    )
    tests = [{"steps": [{"eval": "solution.probe()"}]}]
    for _ in range(SLOTS):
        values = step_values(sandbox.run(apart_job(source, tests), ROOMY), 0)
        assert "allowed" not in values[0], values

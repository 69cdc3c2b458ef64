"""The verdict of a graded run, outside the sandbox: from the supervisor's status and the
observed records. The sandbox only reports observed values; expected values never enter it,
so a submission cannot forge Accepted without producing the right values."""

from __future__ import annotations

from typing import Any

from viva.grading.challenges import Challenge, TestCase
from viva.grading.judge.compare import check_steps
from viva.grading.judge.outcome import (
    Grade,
    RunOutcome,
    RunStatus,
    TestResult,
    Verdict,
    storable,
    tell_one_bit,
    told_score,
)
from viva.grading.judge.records import (
    MAX_TEXT,
    PROTOCOL_VIOLATED,
    ProtocolViolation,
    read_records,
)
from viva.infra.logging import log


def _violated(tests: list[TestCase]) -> list[TestResult]:
    return [
        TestResult(t.name, t.hidden, t.weight, False, "error", message=PROTOCOL_VIOLATED)
        for t in tests
    ]


LIMIT_VERDICTS = {
    RunStatus.TIMEOUT: Verdict.TIME_LIMIT,
    RunStatus.CPU_LIMIT: Verdict.TIME_LIMIT,
    RunStatus.MEMORY: Verdict.MEMORY_LIMIT,
    RunStatus.OUTPUT: Verdict.OUTPUT_LIMIT,
}

# What a hidden test's failure says: the kind of failure, nothing the test or the program held
HIDDEN_REASONS = {
    "wrong": "wrong answer",
    "error": "runtime error",
    "missing": "runtime error",
    "memory": "memory limit",
}


def grade(challenge: Challenge, tests: list[TestCase], outcome: RunOutcome) -> Grade:
    """Decide the verdict from the supervisor's status and the observed records. Never
    raises on what the candidate's program wrote: a forged record is a Runtime Error."""
    try:
        result = _grade(challenge, tests, outcome)
    except Exception as exc:  # a judge bug still ends in a verdict (the tests look for these)
        log.error("judge_failed", challenge=challenge.slug, error=repr(exc))
        return Grade(Verdict.INTERNAL_ERROR, 0.0, message="the judge failed on this run")
    result.message = storable(result.message)
    return result


def _grade(challenge: Challenge, tests: list[TestCase], outcome: RunOutcome) -> Grade:
    if outcome.status == RunStatus.INTERNAL:
        return Grade(Verdict.INTERNAL_ERROR, 0.0, message=outcome.detail or "the sandbox failed")
    limit = LIMIT_VERDICTS.get(outcome.status)
    try:
        report = read_records(tests, outcome.records)
    except ProtocolViolation as exc:
        results = _violated(tests)
        if limit is not None:
            return Grade(limit, 0.0, results, outcome.detail)
        return Grade(Verdict.RUNTIME_ERROR, 0.0, results, f"{PROTOCOL_VIOLATED}: {exc}")
    if report.syntax_error is not None and limit is None:
        error = report.syntax_error
        text = f"{error['syntax_error'][:MAX_TEXT]}\n{error.get('text', '')[:MAX_TEXT]}"
        return Grade(Verdict.SYNTAX_ERROR, 0.0, message=text.strip())
    tol = challenge.meta.float_tolerance
    results = []
    for index, test in enumerate(tests):
        found = report.by_test.get(index)
        if found is None:
            results.append(
                TestResult(
                    test.name,
                    test.hidden,
                    test.weight,
                    False,
                    "missing",
                    message="no result: the program ended before this test finished",
                )
            )
            continue
        record = found
        output = record.get("output", "")[:4096]
        ms = outcome.test_ms.get(index, 0.0)  # never the record's own (forgeable) "ms"
        if "error" in record:
            status = "memory" if record.get("kind") == "memory" else "error"
            results.append(
                TestResult(
                    test.name,
                    test.hidden,
                    test.weight,
                    False,
                    status,
                    message=record["error"][-2000:],
                    output=output,
                    ms=ms,
                )
            )
            continue
        steps: list[dict[str, Any]] = record["steps"]
        ok, expected, got, message = check_steps(test, steps, tol)
        if not ok and any("error" in s for s in steps):
            status = "error"
        else:
            status = "passed" if ok else "wrong"
        results.append(
            TestResult(
                test.name, test.hidden, test.weight, ok, status, expected, got, message, output, ms
            )
        )
    if any(t.hidden for t in tests):
        for result in results:
            result.beside_hidden = not result.hidden
    tell_one_bit(results)
    score = told_score(results)
    if limit is not None:  # a limit was hit: the run failed, whatever it reported
        return Grade(limit, score, results, outcome.detail)
    first_bad = next((t for t in results if not t.passed), None)
    if first_bad is None:
        return Grade(Verdict.ACCEPTED, 1.0, results)
    if first_bad.status == "memory":  # the harness's own MemoryError, never stderr text
        return Grade(Verdict.MEMORY_LIMIT, score, results, "the program ran out of memory")
    if first_bad.hidden or first_bad.beside_hidden:
        reason = HIDDEN_REASONS.get(first_bad.status, "failed")
        verdict = Verdict.WRONG_ANSWER if first_bad.status == "wrong" else Verdict.RUNTIME_ERROR
        where = "a hidden test" if first_bad.hidden else f"test {first_bad.name!r}"
        return Grade(verdict, score, results, f"{where}: {reason}")
    if first_bad.status in ("error", "missing"):
        return Grade(Verdict.RUNTIME_ERROR, score, results, first_bad.message)
    return Grade(
        Verdict.WRONG_ANSWER, score, results, f"test {first_bad.name!r}: {first_bad.message}"
    )

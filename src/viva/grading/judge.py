"""Turns what the sandbox observed into test results and a verdict, outside the sandbox.

The sandbox only reports observed values; expected values never enter it. A submission
cannot forge Accepted without producing the right values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from viva.grading.challenges import Challenge, TestCase


class Verdict(StrEnum):
    ACCEPTED = "Accepted"
    WRONG_ANSWER = "Wrong Answer"
    TIME_LIMIT = "Time Limit Exceeded"
    MEMORY_LIMIT = "Memory Limit Exceeded"
    RUNTIME_ERROR = "Runtime Error"
    SYNTAX_ERROR = "Syntax Error"
    OUTPUT_LIMIT = "Output Limit Exceeded"
    INTERNAL_ERROR = "Internal Error"


class RunStatus(StrEnum):
    """How the sandboxed process ended, as seen by its supervisor."""

    EXITED = "exited"
    TIMEOUT = "timeout"
    CPU_LIMIT = "cpu-limit"
    MEMORY = "memory"
    OUTPUT = "output"
    KILLED = "killed"
    INTERNAL = "internal"


@dataclass
class RunOutcome:
    status: RunStatus
    records: list[dict[str, Any]]
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    wall_ms: float = 0.0
    detail: str = ""
    # per-test milliseconds measured by the supervisor, outside the candidate's process
    test_ms: dict[int, float] = field(default_factory=dict)


@dataclass
class TestResult:
    name: str
    hidden: bool
    weight: float
    passed: bool
    status: str  # passed | wrong | error | memory | missing
    expected: Any = None
    got: Any = None
    message: str = ""
    output: str = ""
    ms: float = 0.0

    def public(self) -> dict[str, Any]:
        """What the candidate may see: hidden tests reveal only their name and outcome."""
        data: dict[str, Any] = {
            "name": self.name,
            "hidden": self.hidden,
            "passed": self.passed,
            "status": self.status,
            "ms": self.ms,
        }
        if not self.hidden:
            data.update(
                expected=self.expected, got=self.got, message=self.message, output=self.output
            )
        return data


@dataclass
class Grade:
    verdict: Verdict
    score: float
    tests: list[TestResult] = field(default_factory=list)
    message: str = ""

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)


def build_job(challenge: Challenge, source: str, tests: list[TestCase]) -> dict[str, Any]:
    return {"source": source, "tests": [t.job(i) for i, t in enumerate(tests)]}


def same(expected: Any, got: Any, tol: float) -> bool:
    """Structural equality on plain JSON data; floats within a tolerance; lists == tuples."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(expected, got, rel_tol=tol, abs_tol=tol) if tol else expected == got
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(
            same(e, g, tol) for e, g in zip(expected, got, strict=True)
        )
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(
            same(v, got[k], tol) for k, v in expected.items()
        )
    return bool(expected == got) and type(expected) is type(got)


def subset(expected: dict[str, Any], got: Any, tol: float) -> bool:
    return isinstance(got, dict) and all(
        k in got and same(v, got[k], tol) for k, v in expected.items()
    )


def _check_steps(
    test: TestCase, steps: list[dict[str, Any]], tol: float
) -> tuple[bool, Any, Any, str]:
    """(passed, expected, got, message) for one test's observed steps."""
    if test.kind == "property":
        return _check_property(test, steps, tol)
    if test.kind == "call":
        exp_steps: list[tuple[Any, str | None]] = [(test.expected, test.raises)]
    elif test.kind == "script":
        exp_steps = [(s.expected, s.raises) for s in test.steps if s.eval is not None]
        steps = [o for o, s in zip(steps, test.steps, strict=False) if s.eval is not None]
    else:
        return _check_http(test, steps, tol)
    if len(steps) < len(exp_steps):
        return False, None, None, "the test stopped before every step ran"
    for i, ((expected, raises), observed) in enumerate(zip(exp_steps, steps, strict=False), 1):
        where = f"step {i}: " if len(exp_steps) > 1 else ""
        if "error" in observed:
            return False, expected, None, where + str(observed["error"])
        if raises is not None:
            if observed.get("raised") != raises:
                got = observed.get("raised") or observed.get("value")
                return False, {"raises": raises}, got, f"{where}expected {raises} to be raised"
            continue
        if "raised" in observed:
            return (
                False,
                expected,
                {"raised": observed["raised"]},
                f"{where}raised {observed['raised']}",
            )
        if not same(expected, observed.get("value"), tol):
            return False, expected, observed.get("value"), f"{where}wrong value"
    last = exp_steps[-1] if exp_steps else (None, None)
    return True, last[0], steps[-1].get("value") if steps else None, ""


def _check_property(
    test: TestCase, steps: list[dict[str, Any]], tol: float
) -> tuple[bool, Any, Any, str]:
    """Each generated case must match the reference solution's value (or exception type)."""
    if len(steps) < len(test.expected_steps):
        return False, None, None, "the test stopped before every case ran"
    for i, (want, got) in enumerate(zip(test.expected_steps, steps, strict=False), 1):
        if "error" in got:
            return False, None, None, str(got["error"])
        if "raised" in want or "raised" in got:
            if want.get("raised") != got.get("raised"):
                return False, want, got, f"generated case {i} of {len(steps)} differs"
        elif not same(want.get("value"), got.get("value"), tol):
            return False, want, got, f"generated case {i} of {len(steps)} differs"
    return True, None, None, ""


def _check_http(
    test: TestCase, steps: list[dict[str, Any]], tol: float
) -> tuple[bool, Any, Any, str]:
    if len(steps) < len(test.requests):
        return False, None, None, "the test stopped before every request ran"
    for i, (req, observed) in enumerate(zip(test.requests, steps, strict=False), 1):
        exp = req.expect
        got = {"status": observed.get("status"), "json": observed.get("json")}
        want: dict[str, Any] = {"status": exp.status}
        problem = ""
        if observed.get("status") != exp.status:
            problem = f"status {observed.get('status')}, expected {exp.status}"
        elif exp.json_ is not None and not same(exp.json_, observed.get("json"), tol):
            problem = "response body differs"
        elif exp.json_subset is not None and not subset(exp.json_subset, observed.get("json"), tol):
            problem = "response body lacks expected fields"
        else:
            headers = observed.get("headers", {})
            for name, value in exp.headers.items():
                actual = headers.get(name.lower())
                if actual is None or (value != "*" and actual != value):
                    problem = f"header {name}: {actual!r}, expected {value!r}"
                    got["headers"] = {name: actual}
                    break
        if problem:
            if exp.json_ is not None:
                want["json"] = exp.json_
            if exp.json_subset is not None:
                want["json_subset"] = exp.json_subset
            if exp.headers:
                want["headers"] = exp.headers
            return False, want, got, f"request {i} ({req.method} {req.url}): {problem}"
    return True, None, None, ""


def grade(challenge: Challenge, tests: list[TestCase], outcome: RunOutcome) -> Grade:
    """Decide the verdict from the supervisor's status and the observed records."""
    if outcome.status == RunStatus.INTERNAL:
        return Grade(Verdict.INTERNAL_ERROR, 0.0, message=outcome.detail or "the sandbox failed")
    for record in outcome.records:
        if "syntax_error" in record:
            return Grade(
                Verdict.SYNTAX_ERROR,
                0.0,
                message=f"{record['syntax_error']}\n{record.get('text', '')}".strip(),
            )
    by_test: dict[int, dict[str, Any]] = {}
    for record in outcome.records:
        if isinstance(record.get("test"), int):
            by_test[record["test"]] = record  # the last report of a test wins
    tol = challenge.meta.float_tolerance
    results = []
    for index, test in enumerate(tests):
        found = by_test.get(index)
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
        output = str(record.get("output", ""))[:4096]
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
                    message=str(record["error"])[-2000:],
                    output=output,
                    ms=ms,
                )
            )
            continue
        raw_steps = record.get("steps")
        steps: list[dict[str, Any]] = (
            [s for s in raw_steps if isinstance(s, dict)] if isinstance(raw_steps, list) else []
        )
        ok, expected, got, message = _check_steps(test, steps, tol)
        if not ok and any("error" in s for s in steps):
            status = "error"
        else:
            status = "passed" if ok else "wrong"
        results.append(
            TestResult(
                test.name, test.hidden, test.weight, ok, status, expected, got, message, output, ms
            )
        )
    total = sum(t.weight for t in results) or 1.0
    score = round(sum(t.weight for t in results if t.passed) / total, 4)
    process_verdict = {
        RunStatus.TIMEOUT: Verdict.TIME_LIMIT,
        RunStatus.CPU_LIMIT: Verdict.TIME_LIMIT,
        RunStatus.MEMORY: Verdict.MEMORY_LIMIT,
        RunStatus.OUTPUT: Verdict.OUTPUT_LIMIT,
    }.get(outcome.status)
    if process_verdict is not None:  # a limit was hit: the run failed, whatever it reported
        return Grade(process_verdict, score, results, outcome.detail)
    first_bad = next((t for t in results if not t.passed), None)
    if first_bad is None:
        return Grade(Verdict.ACCEPTED, 1.0, results)
    if first_bad.status == "memory" or "MemoryError" in outcome.stderr[-500:]:
        return Grade(Verdict.MEMORY_LIMIT, score, results, "the program ran out of memory")
    if first_bad.status in ("error", "missing"):
        detail = (
            first_bad.message
            if not first_bad.hidden
            else f"test {first_bad.name!r} failed with an error"
        )
        return Grade(Verdict.RUNTIME_ERROR, score, results, detail)
    return Grade(
        Verdict.WRONG_ANSWER, score, results, f"test {first_bad.name!r}: {first_bad.message}"
    )


def parse_records(raw: str) -> list[dict[str, Any]]:
    """JSON lines from the result channel; anything else is ignored."""
    records = []
    for line in raw.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records

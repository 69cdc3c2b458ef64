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
from viva.infra.logging import log


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
    # Ran in the same process as hidden tests (a Python Submit): the candidate's code could
    # read the hidden inputs there and carry them out in anything it produced for this test.
    beside_hidden: bool = False
    # For a hidden test: whether every hidden test of the grading passed. The candidate sees
    # that one bit for all of them, not which hidden test failed (each would be a bit a
    # program can choose to carry out, and their names say what is checked).
    hidden_passed: bool | None = None

    def public(self) -> dict[str, Any]:
        """What the candidate may see: hidden tests reveal only whether all of them passed
        (not their names, their own outcome nor their time, which a run can modulate to
        carry data out); a test that ran beside hidden ones shows nothing the candidate's
        code produced (Run shows the details)."""
        one_bit = self.hidden and self.hidden_passed is not None  # graded by grade() below
        passed = self.hidden_passed if one_bit else self.passed
        data: dict[str, Any] = {
            "name": "hidden test" if one_bit else self.name,
            "hidden": self.hidden,
            "passed": passed,
            "status": ("passed" if passed else "failed") if one_bit else self.status,
            "ms": 0.0 if self.hidden or self.beside_hidden else self.ms,
        }
        if not self.hidden and self.beside_hidden:
            data.update(expected=self.expected, got=None, message="", output="")
        elif not self.hidden:
            data.update(
                expected=self.expected, got=self.got, message=self.message, output=self.output
            )
        cleaned: dict[str, Any] = storable(data)
        return cleaned


def storable(value: Any) -> Any:
    """Candidate text made safe to store and send: no NUL, no lone surrogate (neither can be
    encoded for SQLite, PostgreSQL or a UTF-8 response)."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


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
        if not tol or (isinstance(expected, int) and isinstance(got, int)):
            return expected == got
        try:
            return math.isclose(expected, got, rel_tol=tol, abs_tol=tol)
        except OverflowError:  # an int too large for a float is not close to one
            return False
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


PROTOCOL_VIOLATED = "output protocol violated"
MAX_DEPTH = 300  # the harness nests at most 50 values deep, each up to 3 JSON levels
MAX_TEXT = 20_000  # longest text field kept from a record (the harness sends <= 4 KB)


class ProtocolViolation(ValueError):
    """The result channel holds something the harness never writes: a forged record."""


FORGED = "$forged"


def authenticated(record: dict[str, Any], nonce: str) -> dict[str, Any]:
    """A record as the harness wrote it, without the run's secret; a record without the
    secret (the candidate's program wrote it to the result channel) is marked forged."""
    if record.get("nonce") != nonce or not nonce:
        return {FORGED: True}
    return {k: v for k, v in record.items() if k != "nonce"}


def _plain(value: Any, depth: int = 0) -> None:
    """Plain JSON data as the harness encodes it: no NaN or infinity, bounded nesting."""
    if depth > MAX_DEPTH:
        raise ProtocolViolation("a value is nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProtocolViolation("a value is not a finite number")
        return
    if isinstance(value, list):
        for item in value:
            _plain(item, depth + 1)
        return
    if isinstance(value, dict):
        for item in value.values():
            _plain(item, depth + 1)
        return
    raise ProtocolViolation("a value is not JSON data")  # pragma: no cover (json.loads gives none)


def _text(record: dict[str, Any], key: str, where: str) -> None:
    if key in record and not isinstance(record[key], str):
        raise ProtocolViolation(f"{where}: `{key}` is not text")


def _step(step: Any, where: str) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise ProtocolViolation(f"{where}: a step is not an object")
    if len(step) == 1 and "value" in step:  # the common case, kept cheap
        _plain(step["value"])
        return step
    for key in ("raised", "error", "kind"):
        _text(step, key, where)
    for key in ("value", "json"):
        if key in step:
            _plain(step[key])
    status = step.get("status")
    if "status" in step and (not isinstance(status, int) or isinstance(status, bool)):
        raise ProtocolViolation(f"{where}: `status` is not a number")
    headers = step.get("headers")
    if "headers" in step and not (
        isinstance(headers, dict) and all(isinstance(v, str) for v in headers.values())
    ):
        raise ProtocolViolation(f"{where}: `headers` are not text")
    return step


def _most_steps(test: TestCase) -> int:
    """How many steps the harness reports for a test at most."""
    counts = {
        "call": 1,
        "script": len(test.steps),
        "http": len(test.requests),
        "property": len(test.cases),
    }
    return max(1, counts[test.kind])


@dataclass
class _Report:
    syntax_error: dict[str, Any] | None = None
    by_test: dict[int, dict[str, Any]] = field(default_factory=dict)


def read_records(tests: list[TestCase], records: list[dict[str, Any]]) -> _Report:
    """Check the records against what the harness writes: an optional syntax error alone,
    or one record per test in order, then `done`. Raises ProtocolViolation otherwise.
    Records of none of these shapes are ignored (they cannot change a verdict)."""
    report = _Report()
    done = False
    last = -1
    for record in records:
        if FORGED in record:
            raise ProtocolViolation("a record the harness did not write")
        shapes = [k for k in ("test", "done", "syntax_error") if k in record]
        if not shapes:
            continue
        if len(shapes) > 1:
            raise ProtocolViolation("a record of two kinds")
        if done:
            raise ProtocolViolation("a record after the end of the run")
        if shapes == ["done"]:
            if record["done"] is not True:
                raise ProtocolViolation("a malformed end record")
            done = True
            continue
        if shapes == ["syntax_error"]:
            _text(record, "syntax_error", "syntax error")
            _text(record, "text", "syntax error")
            if report.syntax_error is not None or report.by_test:
                raise ProtocolViolation("a syntax error reported after the program ran")
            report.syntax_error = record
            continue
        index = record["test"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise ProtocolViolation("a record for a test that is not a number")
        if not 0 <= index < len(tests):
            raise ProtocolViolation(f"a record for test {index}, which does not exist")
        if report.syntax_error is not None:
            raise ProtocolViolation("a test ran after a syntax error")
        if index in report.by_test:
            raise ProtocolViolation(f"two records for test {index}")
        if index < last:
            raise ProtocolViolation(f"the record for test {index} came out of order")
        last = index
        where = f"test {index}"
        for key in ("error", "kind", "output"):
            _text(record, key, where)
        if "error" not in record and "steps" not in record:
            raise ProtocolViolation(f"{where}: a record without steps or error")
        if "steps" in record:
            steps = record["steps"]
            if not isinstance(steps, list):
                raise ProtocolViolation(f"{where}: `steps` is not a list")
            if len(steps) > _most_steps(tests[index]):
                raise ProtocolViolation(f"{where}: more steps than the test has")
            record = {**record, "steps": [_step(s, where) for s in steps]}
        report.by_test[index] = record
    return report


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
    if any(t.hidden for t in tests):
        every_hidden = all(r.passed for r in results if r.hidden)
        for result in results:
            result.beside_hidden = not result.hidden
            if result.hidden:
                result.hidden_passed = every_hidden
    total = sum(t.weight for t in results) or 1.0
    score = round(sum(t.weight for t in results if t.passed) / total, 4)
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


def parse_records(raw: str) -> list[dict[str, Any]]:
    """JSON lines from the result channel; anything else is ignored."""
    records = []
    for line in raw.splitlines():
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than json allows
            continue
        if isinstance(value, dict):
            records.append(value)
    return records

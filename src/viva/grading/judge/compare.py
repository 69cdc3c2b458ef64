"""Observed values against expected ones, on the host: structural equality on plain JSON data
(floats within the challenge's tolerance) for call, script, property and HTTP tests."""

from __future__ import annotations

import math
from typing import Any

from viva.grading.challenges import TestCase


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


def check_steps(
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

"""The result channel's protocol: JSON lines the harness writes, each with the run's secret.
Everything on the channel is candidate-forgeable, so a record of any shape the harness never
writes is a ProtocolViolation (a verdict), never an exception of the judge's."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from viva.grading.challenges import TestCase

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
class Report:
    syntax_error: dict[str, Any] | None = None
    by_test: dict[int, dict[str, Any]] = field(default_factory=dict)


def read_records(tests: list[TestCase], records: list[dict[str, Any]]) -> Report:
    """Check the records against what the harness writes: an optional syntax error alone,
    or one record per test in order, then `done`. Raises ProtocolViolation otherwise.
    Records of none of these shapes are ignored (they cannot change a verdict)."""
    report = Report()
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

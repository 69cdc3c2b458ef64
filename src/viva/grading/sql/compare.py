"""Result comparison for SQL challenges: normalised values, multiset or ordered, with a diff."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from viva.grading.sql.challenges import Compare

Row = tuple[Any, ...]


def normalise(value: Any) -> Any:
    """Engine-independent values: numbers as floats, temporal values and bytes as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def display(value: Any) -> Any:
    """A value as a person reads it in a result grid: whole numbers without '.0'."""
    value = normalise(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _key(row: Row, tol: float) -> Row:
    digits = max(0, min(12, round(-math.log10(tol)))) if tol else 12
    return tuple(round(v, digits) if isinstance(v, float) else v for v in row)


def _close(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    return bool(a == b)


@dataclass
class Diff:
    ok: bool
    message: str = ""
    missing: list[list[Any]] = field(default_factory=list)
    extra: list[list[Any]] = field(default_factory=list)
    expected_columns: list[str] = field(default_factory=list)
    got_columns: list[str] = field(default_factory=list)


def compare(
    expected_cols: list[str],
    expected: list[Row],
    got_cols: list[str],
    got: list[Row],
    rules: Compare,
) -> Diff:
    exp_cols = [c.lower() for c in expected_cols]
    cols = [c.lower() for c in got_cols]
    base = Diff(False, expected_columns=exp_cols, got_columns=cols)
    if len(cols) != len(exp_cols) or (rules.columns == "name" and sorted(cols) != sorted(exp_cols)):
        base.message = f"wrong columns: expected {exp_cols}, got {cols}"
        return base
    if rules.columns == "name":
        order = [cols.index(c) for c in exp_cols]
        got = [tuple(row[i] for i in order) for row in got]
    exp_rows = [tuple(normalise(v) for v in r) for r in expected]
    got_rows = [tuple(normalise(v) for v in r) for r in got]
    tol = rules.float_tolerance
    if rules.ordered:
        for i, (e, g) in enumerate(zip(exp_rows, got_rows, strict=False)):
            if len(e) != len(g) or not all(_close(a, b, tol) for a, b in zip(e, g, strict=True)):
                base.message = f"row {i + 1} differs (order matters here)"
                base.missing, base.extra = [list(e)], [list(g)]
                return base
        if len(exp_rows) != len(got_rows):
            base.message = f"expected {len(exp_rows)} rows, got {len(got_rows)}"
            base.missing = [list(r) for r in exp_rows[len(got_rows) :][:5]]
            base.extra = [list(r) for r in got_rows[len(exp_rows) :][:5]]
            return base
        return Diff(True, expected_columns=exp_cols, got_columns=cols)
    want, have = Counter(_key(r, tol) for r in exp_rows), Counter(_key(r, tol) for r in got_rows)
    if want == have:
        return Diff(True, expected_columns=exp_cols, got_columns=cols)
    missing = list((want - have).elements())
    extra = list((have - want).elements())
    base.message = f"{len(missing)} missing and {len(extra)} unexpected rows"
    base.missing = [[display(v) for v in r] for r in missing[:5]]
    base.extra = [[display(v) for v in r] for r in extra[:5]]
    return base

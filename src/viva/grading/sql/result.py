"""What one run of SQL on either engine gives back, and the modes a run can be in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["query", "ddl", "script"]


@dataclass
class SqlResult:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # syntax | runtime | timeout | too_many
    plan_uses_index: bool | None = None
    plan: str = ""
    ms: float = 0.0


class SqlRejected(Exception):
    """A submission that breaks the rules before it runs (e.g. several statements)."""

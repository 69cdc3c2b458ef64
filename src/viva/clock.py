"""The one clock: timezone-aware UTC now. Code that must be testable at a given time takes
`at=` and defaults to this."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)

"""Factories for test data: rows built the way Viva builds them, with defaults a test can
override, so tests say only what matters to them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.grading.challenges import load_challenges
from viva.grading.models import AuthoredChallenge, Submission, SubmissionStatus

# Grading -------------------------------------------------------------------------------------


async def submission(
    session: AsyncSession,
    *,
    challenge: str = "palindrome",
    source: str | None = None,
    status: str = SubmissionStatus.QUEUED,
    user_id: int | None = None,
    **fields: Any,
) -> Submission:
    """A stored submission (the palindrome's reference solution unless `source` is given)."""
    if source is None:
        source = load_challenges()[challenge].solution
    row = Submission(
        challenge=challenge,
        source=source,
        status=status,
        tests=[],
        message="",
        user_id=user_id,
        **({"attempts": 0} | fields),
    )
    session.add(row)
    await session.flush()
    return row


def authored_challenge_parts(slug: str | None = None) -> dict[str, Any]:
    """The parts of a small valid Python challenge, as POST /api/v1/challenges takes them."""
    return {
        "slug": slug or f"clamp-{uuid.uuid4().hex[:8]}",
        "title": "Clamp a number",
        "prompt": "Return `x` limited to `[lo, hi]`.",
        "starter": "def clamp(x, lo, hi):\n    return x\n",
        "solution": "def clamp(x, lo, hi):\n    return max(lo, min(x, hi))\n",
        "tests": [
            {"name": "inside", "kind": "call", "call": "clamp", "args": [5, 0, 10], "expected": 5},
            {
                "name": "below",
                "kind": "call",
                "call": "clamp",
                "args": [-3, 0, 10],
                "expected": 0,
                "hidden": True,
            },
        ],
    }


async def authored_challenge(
    session: AsyncSession, *, author_id: int | None = None, slug: str | None = None
) -> AuthoredChallenge:
    """A stored authored challenge (not proven in the sandbox: for catalogue tests)."""
    parts = authored_challenge_parts(slug)
    row = AuthoredChallenge(
        slug=parts["slug"],
        meta={"title": parts["title"], "kind": "function", "difficulty": "easy"},
        tests=parts["tests"],
        prompt=parts["prompt"],
        starter=parts["starter"],
        solution=parts["solution"],
        author_id=author_id,
    )
    session.add(row)
    await session.flush()
    return row

"""Factories for test data: rows built the way Viva builds them, with defaults a test can
override, so tests say only what matters to them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import security
from viva.accounts import service as accounts
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.bank import repository as bank_repository
from viva.bank.models import Answer, Category, Question, Track
from viva.bank.parser import ParsedQuestion
from viva.grading.challenges import load_challenges
from viva.grading.models import AuthoredChallenge, Submission, SubmissionStatus

PASSWORD = "correct horse battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# Accounts ------------------------------------------------------------------------------------


async def user(
    session: AsyncSession,
    *,
    role: Role | str = Role.CANDIDATE,
    username: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    """A user made as sign-up and `viva users create` make them (password hashed, audited)."""
    role = Role(role)
    return await accounts.create_user(
        session, username=username or unique(role.value[:4]), password=password, role=role
    )


def bearer(user: User, *, key: str) -> dict[str, str]:
    """The Authorization header of a fresh access token for `user`."""
    token = security.encode_token(
        user_id=user.id,
        role=user.role,
        kind="access",
        ttl=security.ACCESS_TTL,
        key=key,
        version=user.token_version or 0,
    )
    return {"Authorization": f"Bearer {token}"}


# Question bank -------------------------------------------------------------------------------


async def track(
    session: AsyncSession,
    *,
    slug: str | None = None,
    title: str = "A track",
    categories: tuple[str, ...] = ("Basics",),
    questions: int = 0,
) -> Track:
    """A track with these categories and `questions` questions in the first one."""
    row = Track(slug=slug or unique("track"), title=title, description="", source_hash="")
    session.add(row)
    await session.flush()
    for position, name in enumerate(categories, start=1):
        session.add(Category(track_id=row.id, slug=name.lower(), title=name, position=position))
    await session.flush()
    for n in range(1, questions + 1):
        await question(session, track=row, text=f"What is thing number {n}?")
    return row


async def question(
    session: AsyncSession,
    *,
    track: Track,
    text: str = "What is a closure?",
    category: str | None = None,
    kind: str | None = None,
    difficulty: str | None = None,
    tags: tuple[str, ...] = (),
    answer: str | None = None,
) -> Question:
    """A question at the end of `track` (its first category unless named), searchable like an
    imported one; `answer` stores a model answer with that summary."""
    cats = await bank_repository.categories_of_track(session, track_id=track.id)
    cat = next(c for c in cats if category is None or c.title == category)
    number, position = await bank_repository.last_number_and_position(session, track_id=track.id)
    parsed = ParsedQuestion(number + 1, text, 0, kind, difficulty, list(tags), f"q{number + 1}")
    row = Question(
        track_id=track.id,
        category_id=cat.id,
        slug=parsed.slug,
        number=parsed.number,
        position=position + 1,
        text=text,
        kind=kind,
        difficulty=difficulty,
        tags=list(tags),
        content_hash=parsed.content_hash,
    )
    session.add(row)
    await session.flush()
    await bank_repository.index_for_search(session, questions=[row])
    if answer is not None:
        session.add(
            Answer(
                question_id=row.id,
                summary=answer,
                explanation=answer,
                key_points=[],
                kind=kind,
                difficulty=difficulty,
                content_hash="factory",
            )
        )
        await session.flush()
    return row


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

"""Every query on Judge0 submissions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.models import User
from viva.judge0.models import Judge0Submission
from viva.judge0.statuses import Status

UNFINISHED = (int(Status.IN_QUEUE), int(Status.PROCESSING))


async def by_token(session: AsyncSession, *, token: str) -> Judge0Submission | None:
    found: Judge0Submission | None = await session.scalar(
        select(Judge0Submission).where(Judge0Submission.token == token)
    )
    return found


async def by_tokens(session: AsyncSession, *, tokens: Sequence[str]) -> list[Judge0Submission]:
    rows = await session.scalars(
        select(Judge0Submission).where(Judge0Submission.token.in_(list(tokens)))
    )
    return list(rows.all())


async def page(session: AsyncSession, *, number: int, per_page: int) -> list[Judge0Submission]:
    rows = await session.scalars(
        select(Judge0Submission)
        .order_by(Judge0Submission.created_at.desc(), Judge0Submission.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return list(rows.all())


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Judge0Submission)) or 0)


async def unfinished_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Judge0Submission.id)
        .where(Judge0Submission.status_id.in_(UNFINISHED))
        .order_by(Judge0Submission.id)
    )
    return list(rows.all())


async def claim(
    session: AsyncSession, *, submission_id: int, status_id: int, attempts: int, at: datetime
) -> bool:
    """Mark it Processing only if nobody did since it was read (a conditional update)."""
    result = await session.execute(
        update(Judge0Submission)
        .where(
            Judge0Submission.id == submission_id,
            Judge0Submission.status_id == status_id,
            Judge0Submission.attempts == attempts,
        )
        .values(status_id=int(Status.PROCESSING), started_at=at, attempts=attempts + 1)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def get(session: AsyncSession, *, submission_id: int) -> Judge0Submission | None:
    return await session.get(Judge0Submission, submission_id)


async def user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)

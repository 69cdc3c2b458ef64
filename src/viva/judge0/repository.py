"""Every query on Judge0 submissions, each row loaded with its grading row (`job`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from viva.accounts.models import User
from viva.grading.models import Submission, SubmissionStatus
from viva.judge0.models import Judge0Submission


def _rows() -> Select[Judge0Submission]:
    return (
        select(Judge0Submission)
        .options(joinedload(Judge0Submission.job))
        .execution_options(populate_existing=True)
    )


async def add(session: AsyncSession, row: Judge0Submission) -> Judge0Submission:
    session.add(row)
    await session.flush()
    return row


async def by_token(session: AsyncSession, *, token: str) -> Judge0Submission | None:
    found: Judge0Submission | None = await session.scalar(
        _rows().where(Judge0Submission.token == token)
    )
    return found


async def by_tokens(session: AsyncSession, *, tokens: Sequence[str]) -> list[Judge0Submission]:
    rows = await session.scalars(_rows().where(Judge0Submission.token.in_(list(tokens))))
    return list(rows.all())


async def by_submission(session: AsyncSession, *, submission_id: int) -> Judge0Submission | None:
    """The Judge0 submission a grading row carries (None: deleted meanwhile)."""
    found: Judge0Submission | None = await session.scalar(
        _rows().where(Judge0Submission.submission_id == submission_id)
    )
    return found


async def page(session: AsyncSession, *, number: int, per_page: int) -> list[Judge0Submission]:
    rows = await session.scalars(
        _rows()
        .order_by(Judge0Submission.created_at.desc(), Judge0Submission.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return list(rows.all())


async def count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Judge0Submission)) or 0)


async def running(session: AsyncSession, *, kind: str) -> int:
    """Judge0 jobs some process holds a claim on now (every process, not only this one)."""
    found = await session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.challenge == kind, Submission.status == SubmissionStatus.RUNNING)
    )
    return int(found or 0)


async def remove(session: AsyncSession, row: Judge0Submission) -> None:
    """The Judge0 submission and its grading row."""
    await session.execute(delete(Judge0Submission).where(Judge0Submission.id == row.id))
    await session.execute(delete(Submission).where(Submission.id == row.submission_id))


async def user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)

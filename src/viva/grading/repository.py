"""Every query of the grading domain: submissions (and their grading claim) and the
challenges interviewers wrote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from viva.grading.judge.outcome import Verdict
from viva.grading.models import AuthoredChallenge, Submission, SubmissionStatus

# Submissions --------------------------------------------------------------------------------


async def add_submission(session: AsyncSession, submission: Submission) -> Submission:
    session.add(submission)
    await session.flush()
    return submission


async def get_submission(session: AsyncSession, *, submission_id: int) -> Submission | None:
    return await session.get(Submission, submission_id, populate_existing=True)


async def submissions_of_user(
    session: AsyncSession, *, user_id: int, challenge: str, limit: int
) -> list[Submission]:
    """A user's submissions to one challenge, newest first."""
    rows = await session.scalars(
        select(Submission)
        .where(Submission.user_id == user_id, Submission.challenge == challenge)
        .order_by(Submission.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def recoverable_ids(session: AsyncSession, *, at: datetime) -> list[int]:
    """Submissions no live process is grading: queued, or running on an expired lease (a
    claim without a lease is from before leases existed, so expired too)."""
    rows = await session.scalars(
        select(Submission.id).where(_claimable(at)).order_by(Submission.id)
    )
    return list(rows.all())


def _claimable(at: datetime) -> Any:
    return or_(
        Submission.status == SubmissionStatus.QUEUED,
        (Submission.status == SubmissionStatus.RUNNING)
        & (Submission.lease_expires_at.is_(None) | (Submission.lease_expires_at < at)),
    )


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def claim(
    session: AsyncSession, *, submission_id: int, owner: str, at: datetime, until: datetime
) -> Submission | None:
    """Take the submission for grading if no live process holds it: one conditional UPDATE,
    so of two processes racing for it exactly one gets it (`RETURNING` the claimed row: one
    round trip). None when not claimed."""
    rows = await session.scalars(
        update(Submission)
        .where(Submission.id == submission_id, _claimable(at))
        .values(
            status=SubmissionStatus.RUNNING,
            attempts=Submission.attempts + 1,
            started_at=at,
            claimed_by=owner,
            lease_expires_at=until,
        )
        .returning(Submission)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return rows.first()


async def renew(session: AsyncSession, *, submission_id: int, owner: str, until: datetime) -> bool:
    """Extend the lease while grading; False when the claim was lost."""
    result = await session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.claimed_by == owner,
            Submission.status == SubmissionStatus.RUNNING,
        )
        .values(lease_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def store_verdict(
    session: AsyncSession, *, submission_id: int, owner: str, values: dict[str, Any]
) -> Submission | None:
    """Mark the submission done with `values`, only while `owner` still holds its claim;
    the row as stored (one round trip: UPDATE ... RETURNING), None when the claim was lost."""
    rows = await session.scalars(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.claimed_by == owner,
            Submission.status == SubmissionStatus.RUNNING,
        )
        .values(status=SubmissionStatus.DONE, lease_expires_at=None, **values)
        .returning(Submission)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return rows.first()


async def release(session: AsyncSession, *, owner: str) -> int:
    """Hand back what `owner` is grading (a stopping process): queued again, the interrupted
    attempt not counted."""
    result = await session.execute(
        update(Submission)
        .where(Submission.claimed_by == owner, Submission.status == SubmissionStatus.RUNNING)
        .values(
            status=SubmissionStatus.QUEUED,
            attempts=Submission.attempts - 1,
            claimed_by=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def earlier_graded(
    session: AsyncSession, *, user_id: int, challenge: str, before_id: int
) -> int:
    """The user's graded submissions of `challenge` before `before_id` (Internal Errors are
    the server's failures, not the candidate's attempts)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.user_id == user_id,
            Submission.challenge == challenge,
            Submission.status == SubmissionStatus.DONE,
            Submission.id < before_id,
            Submission.verdict != Verdict.INTERNAL_ERROR,
        )
    )
    return int(count or 0)


async def finished_of_user(session: AsyncSession, *, user_id: int) -> list[Submission]:
    """The user's graded submissions, newest first."""
    rows = await session.scalars(
        select(Submission)
        .where(Submission.user_id == user_id, Submission.status == SubmissionStatus.DONE)
        .order_by(Submission.id.desc())
    )
    return list(rows.all())


# Authored challenges ------------------------------------------------------------------------


async def authored_version(session: AsyncSession) -> tuple[str, int, int, str]:
    """What tells that the table changed: the database, the row count, the newest id and
    creation time (ids can be reused after a delete)."""
    count, newest, latest = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.max(AuthoredChallenge.id), 0),
                func.max(AuthoredChallenge.created_at),
            ).select_from(AuthoredChallenge)
        )
    ).one()
    url = str(session.sync_session.get_bind().engine.url)
    return (url, int(count), int(newest), str(latest))


async def all_authored(session: AsyncSession) -> list[AuthoredChallenge]:
    return list((await session.scalars(select(AuthoredChallenge))).all())


async def authored_exists(session: AsyncSession, *, slug: str) -> bool:
    found = await session.scalar(select(AuthoredChallenge.id).where(AuthoredChallenge.slug == slug))
    return found is not None


async def add_authored(session: AsyncSession, row: AuthoredChallenge) -> AuthoredChallenge:
    session.add(row)
    await session.flush()
    return row

"""What a mock interview tells the other domains as it moves (the notification stream turns
these into "interview.invited", "mock.progress" and "report.released" for the people
concerned; see `viva.rooms.subscribers`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from viva.events import InterviewInvited, MockProgressed, ReportReleased, publish_in
from viva.practice.models import MockInterview


async def invited(session: AsyncSession, *, interview: MockInterview, interviewer: str) -> None:
    if interview.candidate_id is None or interview.interviewer_id is None:
        return
    await publish_in(
        session,
        InterviewInvited(
            user_id=interview.candidate_id,
            kind="mock",
            target_id=interview.id,
            title=interview.title,
            interviewer=interviewer,
            url=f"/mock/{interview.id}",
        ),
    )


async def progressed(session: AsyncSession, *, interview: MockInterview) -> None:
    """The interviewer's page follows the candidate (only interviews run by an interviewer)."""
    if interview.interviewer_id is None:
        return
    await publish_in(
        session,
        MockProgressed(
            interviewer_id=interview.interviewer_id,
            interview_id=interview.id,
            status=interview.status,
            current=interview.current,
            total=len(interview.items),
            answered=sum(1 for item in interview.items if item.answer.strip()),
        ),
    )


async def released(session: AsyncSession, *, interview: MockInterview) -> None:
    if interview.candidate_id is None or interview.interviewer_id is None:
        return
    await publish_in(
        session,
        ReportReleased(
            user_id=interview.candidate_id, interview_id=interview.id, title=interview.title
        ),
    )

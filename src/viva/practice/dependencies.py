"""Practice's dependency aliases, in deps.py's style: the mock interview the path names, loaded
and authorised once per request (404 unless the caller takes or runs it, so its existence is
never revealed), for the API routes and the pages alike."""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import Depends, Path

from viva.deps import CurrentUser, DbId, SessionDep
from viva.practice import mock
from viva.practice.models import MockInterview

Position = Annotated[int, Path(ge=0, le=49, description="0-based question position")]


async def visible_interview(
    interview_id: DbId, user: CurrentUser, session: SessionDep
) -> MockInterview:
    return await mock.visible(session, interview_id=interview_id, user=user)


class InterviewItem(NamedTuple):
    interview: MockInterview
    position: int


async def visible_item(
    interview_id: DbId, position: Position, user: CurrentUser, session: SessionDep
) -> InterviewItem:
    """The interview and the question position in the path (the position is not checked
    against the interview here: the use case says what an out-of-range one means)."""
    interview = await mock.visible(session, interview_id=interview_id, user=user)
    return InterviewItem(interview, position)


InterviewDep = Annotated[MockInterview, Depends(visible_interview)]
InterviewItemDep = Annotated[InterviewItem, Depends(visible_item)]

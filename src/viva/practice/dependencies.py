"""Practice's dependency aliases, in deps.py's style: the mock interview the path names, loaded
and authorised once per request (404 unless the caller takes or runs it, so its existence is
never revealed), for the API routes and the pages.

A dependency runs before FastAPI validates the route's own body, query and form, so routes
with any of those keep loading the interview in the handler: a malformed request stays a 422
even for an interview the caller cannot see.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

from fastapi import Depends, Path, Request

from viva.accounts.models import User
from viva.deps import CurrentUser, DbId, SessionDep, SettingsDep
from viva.practice import mock
from viva.practice.models import MockInterview
from viva.practice.pages import signed_in

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


class InterviewPage(NamedTuple):
    interview: MockInterview
    user: User


async def interview_page(
    interview_id: DbId, request: Request, session: SessionDep, settings: SettingsDep
) -> InterviewPage:
    """For the pages: signed in inside (not as a sub-dependency), so that, as the pages always
    did, a malformed id is a 422 before the sign-in is asked for."""
    user = await signed_in(request, session, settings)
    return InterviewPage(await mock.visible(session, interview_id=interview_id, user=user), user)


InterviewDep = Annotated[MockInterview, Depends(visible_interview)]
InterviewItemDep = Annotated[InterviewItem, Depends(visible_item)]
InterviewPageDep = Annotated[InterviewPage, Depends(interview_page)]

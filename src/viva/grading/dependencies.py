"""Grading's dependency aliases, in deps.py's style: the grading context of the running app,
and the submission the path names, loaded and authorised once per request (404 unless the
caller may see it, so its existence is never revealed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from viva.accounts.public import may_see_work_of
from viva.deps import CurrentUser, DbId, SessionDep
from viva.errors import NotFound
from viva.grading import repository
from viva.grading.models import Submission
from viva.grading.service import GradingContext


async def get_grading(request: Request) -> GradingContext:
    grading: GradingContext = request.app.state.grading
    return grading


async def visible_submission(
    submission_id: DbId, viewer: CurrentUser, session: SessionDep
) -> Submission:
    """The submission in the path if the caller may see it: candidates their own,
    interviewers their candidates', admins all; 404 otherwise (never reveal it exists)."""
    submission = await repository.get_submission(session, submission_id=submission_id)
    if submission is None or not await may_see_work_of(
        session, viewer=viewer, owner_id=submission.user_id
    ):
        raise NotFound(f"no submission {submission_id}")
    return submission


GradingDep = Annotated[GradingContext, Depends(get_grading)]
SubmissionDep = Annotated[Submission, Depends(visible_submission)]

"""Grading's dependency aliases, in deps.py's style: the grading context of the running app,
and the submission the path names, loaded and authorised once per request (404 unless the
caller may see it, so its existence is never revealed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from viva.accounts.public import may_see_work_of
from viva.accounts.roles import Role
from viva.deps import CurrentUser, DbId, request_session
from viva.errors import NotFound
from viva.grading import repository
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.service import GradingContext
from viva.infra.ttl import TtlMap

# A graded submission never changes again (done is the last state: `grading.repository`'s
# transitions only leave queued and running), so its row can be kept; only who may see it
# is decided per request.
FINISHED_SUBMISSION_SECONDS = 60.0


class FinishedSubmissions(TtlMap[Submission]):
    """Graded submissions recently read, detached (read-only: routes only serialise them),
    so reading one back takes no database round trip. Kept `FINISHED_SUBMISSION_SECONDS`:
    a submission deleted with its account may be shown to an admin that long."""

    def __init__(self) -> None:
        super().__init__(ttl=FINISHED_SUBMISSION_SECONDS, max_entries=5_000)


async def get_grading(request: Request) -> GradingContext:
    grading: GradingContext = request.app.state.grading
    return grading


async def visible_submission(
    request: Request, submission_id: DbId, viewer: CurrentUser
) -> Submission:
    """The submission in the path if the caller may see it: candidates their own,
    interviewers their candidates', admins all; 404 otherwise (never reveal it exists)."""
    finished: FinishedSubmissions = request.app.state.finished_submissions
    submission = finished.get(submission_id)
    if submission is not None and (viewer.role is Role.ADMIN or submission.user_id == viewer.id):
        return submission
    session = request_session(request)
    if submission is None:
        submission = await repository.get_submission(session, submission_id=submission_id)
        if submission is not None and submission.status == SubmissionStatus.DONE:
            finished.set(submission_id, submission)
    if submission is None or not await may_see_work_of(
        session, viewer=viewer, owner_id=submission.user_id
    ):
        raise NotFound(f"no submission {submission_id}")
    return submission


GradingDep = Annotated[GradingContext, Depends(get_grading)]
SubmissionDep = Annotated[Submission, Depends(visible_submission)]

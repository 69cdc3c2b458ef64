"""REST API v1 of challenges: list, detail, run the visible examples, submit, poll."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from viva.deps import (
    CacheDep,
    CatalogueDep,
    ChallengeDep,
    DatabaseDep,
    SessionDep,
    SubmissionLimit,
)
from viva.errors import problem_responses
from viva.grading import authoring, service
from viva.grading.dependencies import GradingDep, SubmissionDep
from viva.grading.details import detail
from viva.grading.models import SubmissionStatus
from viva.grading.schemas import (
    ChallengeDetail,
    ChallengeIn,
    ChallengeSummary,
    GradeOut,
    SourceIn,
    SubmissionOut,
    SubmissionSummary,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["challenges"],
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)
WAIT_SECONDS = 120


@router.get("/challenges", response_model=list[ChallengeSummary])
async def list_challenges(session: SessionDep, catalogue: CatalogueDep) -> list[ChallengeSummary]:
    await catalogue.refresh(session)
    return catalogue.summaries()


@router.post(
    "/challenges",
    response_model=ChallengeDetail,
    status_code=201,
    responses={503: {"description": "no sandbox to prove the reference solution"}},
)
async def create_challenge(
    body: ChallengeIn,
    request: Request,
    session: SessionDep,
    grading: GradingDep,
    cache: CacheDep,
) -> ChallengeDetail:
    """Interviewers author a Python or test-writing challenge; it is stored only if its
    reference solution is Accepted in the sandbox and its starter is not."""
    meta = body.model_dump(include={"title", "kind", "difficulty", "tags", "limits"})
    if body.kind == "tests":
        meta |= {"module": body.module, "threshold": body.threshold}
    challenge = await authoring.create(
        grading,
        session,
        cache=cache,
        actor=request.state.principal.user,
        slug=body.slug,
        meta=meta,
        tests=body.tests,
        prompt=body.prompt,
        starter=body.starter,
        solution=body.solution,
        module=body.module_source,
        variants=body.variants,
        mutants=[m.model_dump() for m in body.mutants],
    )
    return detail(challenge)


@router.get("/challenges/{slug}", response_model=ChallengeDetail)
async def get_challenge(challenge: ChallengeDep) -> ChallengeDetail:
    return await asyncio.to_thread(detail, challenge)


@router.post(
    "/challenges/{slug}/run",
    dependencies=[SubmissionLimit],
    response_model=GradeOut,
    responses={503: {"description": "no sandbox"}},
)
async def run_examples(
    slug: str, body: SourceIn, session: SessionDep, grading: GradingDep
) -> GradeOut:
    """Run the visible examples only; nothing is recorded."""
    result = await service.run_examples(
        grading, session, slug=slug, source=body.source, dialect=body.dialect
    )
    return service.grade_out(result)


@router.post(
    "/challenges/{slug}/submissions",
    dependencies=[SubmissionLimit],
    response_model=SubmissionOut,
    status_code=201,
    responses={
        202: {"description": "queued; poll the Location"},
        503: {"description": "no sandbox"},
    },
)
async def submit(
    slug: str,
    body: SourceIn,
    request: Request,
    response: Response,
    database: DatabaseDep,
    grading: GradingDep,
    wait: Annotated[bool, Query(description="grade before answering")] = False,
) -> SubmissionOut:
    """Store the submission, queue it for grading, and (with ?wait=true) return the verdict."""
    # Its own unit of work: committed (and enqueued) before grading starts, so a crash
    # cannot lose it and ?wait=true can wait for the grader.
    async with database.session() as session:
        submission = await service.submit(
            grading,
            session,
            slug=slug,
            source=body.source,
            dialect=body.dialect,
            user_id=request.state.principal.user.id,
        )
    response.headers["Location"] = f"/api/v1/submissions/{submission.id}"
    queue = request.app.state.grading_queue
    if wait:  # the row as the grader stored it: in one process, handed over, not read again
        submission = await queue.wait_graded(submission.id, seconds=WAIT_SECONDS) or submission
    if submission.status != SubmissionStatus.DONE:
        response.status_code = 202
    return service.submission_out(submission)


@router.get("/challenges/{slug}/submissions", response_model=list[SubmissionSummary])
async def list_own_submissions(
    challenge: ChallengeDep,
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[SubmissionSummary]:
    """The caller's own submissions to this challenge, newest first, with their code."""
    return await service.own_submissions(
        session, user_id=request.state.principal.user.id, slug=challenge.slug, limit=limit
    )


@router.get("/submissions/{submission_id}", response_model=SubmissionOut)
async def get_submission(submission: SubmissionDep) -> SubmissionOut:
    """Candidates see their own submissions, interviewers their candidates', admins all."""
    return service.submission_out(submission)

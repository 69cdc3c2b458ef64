"""REST API v1 of challenges: list, detail, run the visible examples, submit, poll."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from viva.accounts import service as accounts
from viva.deps import CacheDep, DbId, SessionDep, SettingsDep, SubmissionLimit
from viva.errors import NotFound, problem_responses
from viva.grading import authored, service
from viva.grading.queue import GradingQueue
from viva.grading.schemas import (
    ChallengeDetail,
    ChallengeIn,
    ChallengeSummary,
    GradeOut,
    SourceIn,
    SubmissionOut,
)

router = APIRouter(
    prefix="/api/v1",
    tags=["challenges"],
    responses=problem_responses(401, 403, 404, 413, 422, 429, 503),
)


def _queue(request: Request) -> GradingQueue:
    queue: GradingQueue = request.app.state.grading_queue
    return queue


@router.get("/challenges", response_model=list[ChallengeSummary])
async def list_challenges(session: SessionDep) -> list[ChallengeSummary]:
    await authored.refresh(session)
    return service.list_challenges()


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
    settings: SettingsDep,
    cache: CacheDep,
) -> ChallengeDetail:
    """Interviewers author a Python challenge; it is stored only if its reference solution is
    Accepted in the sandbox and its starter is not."""
    meta = body.model_dump(include={"title", "kind", "difficulty", "tags", "limits"})
    challenge = await authored.create(
        session,
        settings=settings,
        actor=request.state.principal.user,
        slug=body.slug,
        meta=meta,
        tests=body.tests,
        prompt=body.prompt,
        starter=body.starter,
        solution=body.solution,
    )
    await cache.invalidate()  # the public challenge list changed
    return await asyncio.to_thread(service.challenge_detail, challenge.slug)


@router.get("/challenges/{slug}", response_model=ChallengeDetail)
async def get_challenge(slug: str, session: SessionDep) -> ChallengeDetail:
    await authored.ensure(session, slug=slug)
    return await asyncio.to_thread(service.challenge_detail, slug)


@router.post(
    "/challenges/{slug}/run",
    dependencies=[SubmissionLimit],
    response_model=GradeOut,
    responses={503: {"description": "no sandbox"}},
)
async def run_examples(
    slug: str, body: SourceIn, request: Request, session: SessionDep, settings: SettingsDep
) -> GradeOut:
    """Run the visible examples only; nothing is recorded."""
    await authored.ensure(session, slug=slug)
    challenge = service.find_challenge(slug)
    service.check_source(body.source, max_bytes=settings.max_source_bytes)
    service.refuse_if_ungradable(
        settings, dialect=service.submission_dialect(challenge, body.dialect)
    )
    result, _ = await service.grade_any(
        settings=settings,
        sql_engines=request.app.state.sql_engines,
        slug=slug,
        source=body.source,
        dialect=body.dialect,
        visible_only=True,
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
    session: SessionDep,
    settings: SettingsDep,
    wait: Annotated[bool, Query(description="grade before answering")] = False,
) -> SubmissionOut:
    """Store the submission, queue it for grading, and (with ?wait=true) return the verdict."""
    await authored.ensure(session, slug=slug)
    challenge = service.find_challenge(slug)
    service.check_source(body.source, max_bytes=settings.max_source_bytes)
    dialect = service.submission_dialect(challenge, body.dialect)
    service.refuse_if_ungradable(settings, dialect=dialect)  # never stored if never gradable
    if dialect is None and not settings.grading_on_redis:  # workers grade in server mode
        await asyncio.to_thread(service.get_runner, settings)  # refuse now if we cannot grade
    submission = await service.create_submission(
        session,
        challenge=challenge,
        source=body.source,
        dialect=dialect,
        user_id=request.state.principal.user.id,
    )
    await session.commit()  # stored before grading starts: a crash cannot lose it
    queue = _queue(request)
    await queue.enqueue(submission.id)
    response.headers["Location"] = f"/api/v1/submissions/{submission.id}"
    if wait and await queue.wait(submission.id, seconds=120):
        await session.refresh(submission)
        return service.submission_out(submission)
    response.status_code = 202
    return service.submission_out(submission)


@router.get("/submissions/{submission_id}", response_model=SubmissionOut)
async def get_submission(
    submission_id: DbId, request: Request, session: SessionDep
) -> SubmissionOut:
    """Candidates see their own submissions, interviewers their candidates', admins all."""
    submission = await service.get_submission(session, submission_id=submission_id)
    viewer = request.state.principal.user
    if not await accounts.may_see_work_of(session, viewer=viewer, owner_id=submission.user_id):
        raise NotFound(f"no submission {submission_id}")
    return service.submission_out(submission)

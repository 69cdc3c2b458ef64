"""Annotated dependency aliases shared by routes and pages: the request lifecycle.

`SessionDep` is the request's unit of work (committed after the route returns and before the
response is sent, rolled back on an error; opened only when something asks for it). The
user aliases authorise (`CurrentUser`: signed in; `InterviewerUser`, `AdminUser`: that role
or above) and the resource aliases load or answer 404 (`TrackDep` from the `slug` path
parameter, `QuestionDep` from `question_id`). FastAPI resolves each once per request, so a
route and its policy check share them.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from functools import partial
from types import TracebackType
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.auth import Principal, require_role, resolve
from viva.accounts.models import User
from viva.accounts.roles import Role
from viva.bank import service as bank
from viva.bank.models import Question, Track
from viva.db import Database, UnitOfWork
from viva.errors import NotFound
from viva.grading import repository as grading_repository
from viva.grading.catalogue import AnyChallenge, Catalogue
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.service import GradingContext
from viva.infra.cache import Cache
from viva.infra.ratelimit import RateLimiter
from viva.infra.ttl import TtlMap
from viva.settings import Settings

# The providers are `async def` although they do not await: FastAPI runs a plain `def`
# dependency in its thread pool, and that hop cost more than the rest of a signed-in GET.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


UNIT_OF_WORK = "viva.unit_of_work"  # request scope key: the request's UnitOfWork


def unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work, made on first use and ended when the route's function
    scope closes: after the route returned and its response was serialised, before a byte
    of it is sent (a fast client never reads data older than its own write), or with the
    route's exception.

    Not a `yield` dependency: FastAPI's machinery for those (a context manager, a cancel
    scope and a shielded exit per request) cost more than a cached signed-in GET itself.
    The ending is pushed on the same function-scope exit stack that such a dependency with
    `scope="function"` uses. A plain function, so the auth dependencies can ask for it only
    when the auth cache misses: a request that never reads `.session` opens nothing.
    """
    scope = request.scope
    work: UnitOfWork | None = scope.get(UNIT_OF_WORK)
    if work is not None:
        return work
    stack = scope.get("fastapi_function_astack")
    if not isinstance(stack, AsyncExitStack):
        raise RuntimeError("FastAPI no longer keeps a function-scope exit stack in the scope")
    database: Database = request.app.state.database
    work = scope[UNIT_OF_WORK] = database.unit_of_work()
    finish = work.finish

    async def end(
        _type: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> bool:
        await finish(exc)
        return False  # the route's exception, if any, goes on to the error handlers

    stack.push_async_exit(end)
    return work


def request_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work (opened now if it was not)."""
    return unit_of_work(request).session


async def get_session(request: Request) -> AsyncSession:
    """`request_session` as a dependency (async: FastAPI runs a plain `def` in a thread)."""
    return request_session(request)


def client_key(request: Request) -> str:
    """Who a per-client limit counts against: the signed-in user, else the IP address."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return f"user:{principal.user.id}"
    return f"ip:{request.client.host}" if request.client else "ip:unknown"


async def limit_submissions(request: Request, response: Response) -> None:
    """At most `VIVA_RATE_LIMIT_SUBMISSIONS` runs and submissions per client."""
    settings: Settings = request.app.state.settings
    limiter: RateLimiter = request.app.state.rate_limiter
    headers = await limiter.hit("submissions", client_key(request), settings.rate_limit_submissions)
    response.headers.update(headers)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SubmissionLimit = Depends(limit_submissions)
DatabaseDep = Annotated[Database, Depends(get_database)]
CacheDep = Annotated[Cache, Depends(get_cache)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones cannot exist
DbId = Annotated[int, Path(ge=1, le=MAX_ID, description="a database id")]


# Who is calling ------------------------------------------------------------------------------


async def get_principal(request: Request) -> Principal | None:
    """The caller (None: anonymous); bad credentials are a 401, never anonymity. The session
    is opened only when the auth cache does not know the credentials. (Only `request` is
    a parameter: each dependency FastAPI solves costs about as much as the cache lookup.)"""
    return await resolve(request, partial(request_session, request), request.app.state.settings)


PrincipalDep = Annotated[Principal | None, Depends(get_principal)]


async def current_principal(principal: PrincipalDep) -> Principal:
    require_role(principal, Role.CANDIDATE)
    assert principal is not None
    return principal


async def current_user(principal: PrincipalDep) -> User:
    return require_role(principal, Role.CANDIDATE)


async def interviewer_user(principal: PrincipalDep) -> User:
    return require_role(principal, Role.INTERVIEWER)


async def admin_user(principal: PrincipalDep) -> User:
    return require_role(principal, Role.ADMIN)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]
InterviewerUser = Annotated[User, Depends(interviewer_user)]
AdminUser = Annotated[User, Depends(admin_user)]


# What the path names --------------------------------------------------------------------------


async def track_by_slug(slug: str, session: SessionDep) -> Track:
    return await bank.require_track(session, slug=slug)


async def question_by_id(question_id: DbId, session: SessionDep) -> Question:
    return await bank.require_question(session, question_id=question_id)


TrackDep = Annotated[Track, Depends(track_by_slug)]
QuestionDep = Annotated[Question, Depends(question_by_id)]


# Grading -------------------------------------------------------------------------------------


async def get_grading(request: Request) -> GradingContext:
    grading: GradingContext = request.app.state.grading
    return grading


async def get_catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


GradingDep = Annotated[GradingContext, Depends(get_grading)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


async def valid_challenge(slug: str, session: SessionDep, catalogue: CatalogueDep) -> AnyChallenge:
    """The challenge named in the path (authored ones loaded when unknown), or 404."""
    await catalogue.ensure(session, slug=slug)
    return catalogue.find(slug)


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


async def visible_submission(
    request: Request, submission_id: DbId, viewer: CurrentUser
) -> Submission:
    """The submission in the path if the caller may see it: candidates their own,
    interviewers their candidates', admins all; 404 otherwise (never reveal it exists)."""
    from viva.accounts.public import may_see_work_of

    finished: FinishedSubmissions = request.app.state.finished_submissions
    submission = finished.get(submission_id)
    if submission is not None and (viewer.role is Role.ADMIN or submission.user_id == viewer.id):
        return submission
    session = request_session(request)
    if submission is None:
        submission = await grading_repository.get_submission(session, submission_id=submission_id)
        if submission is not None and submission.status == SubmissionStatus.DONE:
            finished.set(submission_id, submission)
    if submission is None or not await may_see_work_of(
        session, viewer=viewer, owner_id=submission.user_id
    ):
        raise NotFound(f"no submission {submission_id}")
    return submission


ChallengeDep = Annotated[AnyChallenge, Depends(valid_challenge)]
SubmissionDep = Annotated[Submission, Depends(visible_submission)]

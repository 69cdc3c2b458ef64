"""Judge0 use cases: who is calling, create (one or a batch), read, list and delete.

Each use case is its own unit of work (`Database.session()`). A submission is stored with
its grading row (`grading.service.add_job`) and queued on the grading queue only after that
commits, so a crash cannot lose it; the run itself is `jobs.Judge0Jobs.run`.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from viva.accounts import service as accounts
from viva.accounts.audit import audit
from viva.db import Database
from viva.grading import service as grading_service
from viva.grading.grader import grading_unavailable
from viva.grading.models import SubmissionStatus
from viva.grading.queue import GradingQueue
from viva.grading.service import GradingContext
from viva.infra.logging import log
from viva.infra.ratelimit import RateLimited, RateLimiter
from viva.judge0 import repository
from viva.judge0.errors import BadRequest, Forbidden, NotFound, Unauthorized
from viva.judge0.models import KIND, Judge0Submission
from viva.judge0.schemas import SubmissionIn, parse_submission
from viva.judge0.statuses import Status, status_object
from viva.judge0.views import status_of
from viva.settings import Settings

SCOPE = "judge0"  # the API key scope X-Auth-Token needs
PER_PAGE_MAX = 100


@dataclass(frozen=True)
class Caller:
    """Who is calling: the owner of the X-Auth-Token key; `authorized` when X-Auth-User is
    an admin's judge0 key (Judge0's authorization, for the operator's endpoints)."""

    user_id: int
    authorized: bool
    extensions: frozenset[str]


async def identify(
    database: Database,
    *,
    token: str | None,
    user_token: str | None,
    extensions: str | None,
    need_authorization: bool = False,
) -> Caller:
    if not token:
        raise Unauthorized()
    async with database.session() as session:
        found = await accounts.user_for_api_key(session, secret=token)
        if found is None or SCOPE not in found[1]:
            raise Unauthorized()
        authorized = False
        if user_token:
            other = await accounts.user_for_api_key(session, secret=user_token)
            authorized = other is not None and SCOPE in other[1] and other[0].role == "admin"
    if need_authorization and not authorized:
        raise Forbidden()
    wanted = frozenset(x.strip().lower() for x in (extensions or "").split(",") if x.strip())
    return Caller(user_id=found[0].id, authorized=authorized, extensions=wanted)


def _may_see(caller: Caller, submission: Judge0Submission) -> bool:
    """A submission is its creator's (any of their keys) and the operator's: another
    client's token finds nothing, exactly as if the token did not exist."""
    return caller.authorized or submission.user_id == caller.user_id


def now() -> datetime:
    return datetime.now(UTC)


# Creating -----------------------------------------------------------------------------------


async def count_quota(limiter: RateLimiter, settings: Settings, caller: Caller, n: int) -> None:
    """Judge0 jobs count against the same per-user budget as Viva's own submissions."""
    try:
        for _ in range(n):
            await limiter.hit(
                "submissions", f"user:{caller.user_id}", settings.rate_limit_submissions
            )
    except RateLimited as exc:
        raise BadRequest(exc.detail, status=429, headers=exc.headers) from exc


def _row(caller: Caller, valid: SubmissionIn) -> Judge0Submission:
    return Judge0Submission(
        token=str(uuid.uuid4()),
        user_id=caller.user_id,
        language_id=valid.language.id,
        source_code=valid.source_code,
        stdin=valid.stdin,
        expected_output=valid.expected_output,
        additional_files=valid.additional_files,
        options=valid.options,
        callback_url=valid.callback_url,
        viva_tests=_stored_tests(valid.viva_tests),
        status_id=int(Status.IN_QUEUE),
        created_at=now(),
    )


def _stored_tests(tests: list[dict[str, bytes | None]] | None) -> list[dict[str, Any]] | None:
    if tests is None:
        return None
    return [
        {k: base64.b64encode(v).decode() if v is not None else None for k, v in t.items()}
        for t in tests
    ]


async def create(
    grading: GradingContext,
    queue: GradingQueue,
    *,
    caller: Caller,
    bodies: Sequence[Any],
    base64_encoded: bool,
) -> list[Judge0Submission | dict[str, list[str]]]:
    """Validate each submission; store the valid ones, each with its grading row and an
    audit entry, in one transaction, queued on the grading queue after it commits. Each
    entry is the stored row or that submission's errors."""
    settings = grading.settings
    config = settings.judge0
    if await queue.depth() + len(bodies) > config.max_queue_size:
        raise BadRequest("queue is full", status=503)
    unavailable = grading_unavailable(settings)
    if unavailable:
        raise BadRequest(unavailable, status=503)
    parsed = [
        parse_submission(
            body,
            base64_encoded=base64_encoded,
            config=config,
            max_source_bytes=settings.max_source_bytes,
        )
        for body in bodies
    ]
    results: list[Judge0Submission | dict[str, list[str]]] = []
    async with grading.database.session() as session:
        actor = await repository.user(session, user_id=caller.user_id)
        for entry in parsed:
            if not isinstance(entry, SubmissionIn):
                results.append(entry)
                continue
            job = await grading_service.add_job(grading, session, kind=KIND)
            row = _row(caller, entry)
            row.job = job
            results.append(await repository.add(session, row))
            await audit(
                session,
                actor=actor,
                action="judge0.submit",
                target=row.token,
                detail={"language_id": row.language_id, "submission": job.id},
            )
    stored = sum(isinstance(r, Judge0Submission) for r in results)
    log.info("judge0_submitted", user=caller.user_id, stored=stored, refused=len(parsed) - stored)
    return results


# Reading ------------------------------------------------------------------------------------


async def get(database: Database, *, caller: Caller, token: str) -> Judge0Submission:
    async with database.session() as session:
        found = await repository.by_token(session, token=token[:64])
    if found is None or not _may_see(caller, found):
        raise NotFound()
    return found


async def get_many(
    database: Database, *, caller: Caller, tokens: Sequence[str]
) -> list[Judge0Submission | None]:
    async with database.session() as session:
        rows = await repository.by_tokens(session, tokens=[t[:64] for t in tokens])
    by_token = {row.token: row for row in rows if _may_see(caller, row)}
    return [by_token.get(token) for token in tokens]


async def page(
    database: Database, *, number: int, per_page: int
) -> tuple[list[Judge0Submission], dict[str, Any]]:
    """GET /submissions (authorized callers only), newest first, Judge0's `meta`."""
    async with database.session() as session:
        rows = await repository.page(session, number=number, per_page=per_page)
        total = await repository.count(session)
    pages = max(1, -(-total // per_page)) if per_page else 1
    meta = {
        "current_page": number,
        "next_page": number + 1 if number < pages else None,
        "prev_page": number - 1 if number > 1 else None,
        "total_pages": pages,
        "total_count": total,
    }
    return rows, meta


async def workers(grading: GradingContext, queue: GradingQueue) -> dict[str, int]:
    """/workers: the grading queue's depth, and the Judge0 runs under way in every process;
    `available` is this process's slots (in server mode the workers' are their own)."""
    async with grading.database.session() as session:
        working = await repository.running(session, kind=KIND)
    available = grading.settings.sandbox_slots
    return {
        "size": await queue.depth(),
        "available": available,
        "idle": max(0, available - working),
        "working": working,
        "paused": 0,
        "failed": 0,
    }


async def delete_submission(
    database: Database, *, settings: Settings, caller: Caller, token: str
) -> Judge0Submission:
    """Judge0's DELETE: only when enabled, authorized, and the run is over; the grading row
    goes with it."""
    if not settings.judge0.enable_submission_delete:
        raise BadRequest("delete not allowed")
    async with database.session() as session:
        found = await repository.by_token(session, token=token[:64])
        if found is None or not _may_see(caller, found):
            raise NotFound()
        if found.job.status != SubmissionStatus.DONE:
            status = status_of(found)
            raise BadRequest(
                f"submission cannot be deleted because its status is {int(status)} "
                f"({status_object(int(status), extensions=True)['description']})"
            )
        await repository.remove(session, found)
        await audit(
            session,
            actor=await repository.user(session, user_id=caller.user_id),
            action="judge0.delete",
            target=found.token,
        )
    return found

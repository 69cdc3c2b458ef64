"""Judge0 use cases: who is calling, create (one or a batch), read, list, delete, and the
background run of a stored submission; and how a submission looks with `?fields=`.

Each use case is its own unit of work (`Database.session()`); a submission is committed
before it is queued, so a crash cannot lose it and the runner finds it on the next start.
"""

from __future__ import annotations

import asyncio
import base64
import shlex
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from viva.accounts import service as accounts
from viva.accounts.audit import audit
from viva.db import Database, after_commit
from viva.errors import ServiceUnavailable
from viva.grading.judge.outcome import storable
from viva.infra.logging import log
from viva.infra.ratelimit import RateLimited, RateLimiter
from viva.judge0 import repository
from viva.judge0.errors import BadRequest, Forbidden, NotFound, Unauthorized
from viva.judge0.execution import Program, Result, run_all
from viva.judge0.languages import LANGUAGES
from viva.judge0.models import Judge0Submission
from viva.judge0.schemas import SubmissionIn, parse_submission
from viva.judge0.statuses import Status, status_object
from viva.settings import Settings

SCOPE = "judge0"  # the API key scope X-Auth-Token needs
MAX_ATTEMPTS = 3  # runs interrupted by restarts before the submission ends as Internal Error
PER_PAGE_MAX = 100
# Shown as stored (the rest of a submission's fields come from its options).
ATTRIBUTES = (
    "token",
    "language_id",
    "memory",
    "exit_code",
    "exit_signal",
    "callback_url",
    "message",
)


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
        attempts=0,
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
    database: Database,
    runner: Any,
    *,
    settings: Settings,
    caller: Caller,
    bodies: Sequence[Any],
    base64_encoded: bool,
) -> list[Judge0Submission | dict[str, list[str]]]:
    """Validate each submission; store the valid ones in one transaction and queue them
    after it commits. Each entry is the stored row or that submission's errors."""
    config = settings.judge0
    if runner.size() + len(bodies) > config.max_queue_size:
        raise BadRequest("queue is full", status=503)
    if not runner.available():
        raise BadRequest(runner.unavailable_reason(), status=503)
    parsed = [
        parse_submission(
            body,
            base64_encoded=base64_encoded,
            config=config,
            max_source_bytes=settings.max_source_bytes,
        )
        for body in bodies
    ]
    valid = [p for p in parsed if isinstance(p, SubmissionIn)]
    results: list[Judge0Submission | dict[str, list[str]]] = []
    async with database.session() as session:
        rows: list[Judge0Submission] = []
        for entry in parsed:
            if isinstance(entry, SubmissionIn):
                row = _row(caller, entry)
                session.add(row)
                rows.append(row)
                results.append(row)
            else:
                results.append(entry)
        if rows:
            await session.flush()
            ids = [row.id for row in rows]

            async def enqueue() -> None:
                for submission_id in ids:
                    await runner.enqueue(submission_id)

            after_commit(session, enqueue)
    log.info(
        "judge0_submitted", user=caller.user_id, stored=len(valid), refused=len(parsed) - len(valid)
    )
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


async def delete_submission(
    database: Database, *, settings: Settings, caller: Caller, token: str
) -> Judge0Submission:
    """Judge0's DELETE: only when enabled, authorized, and the run is over."""
    if not settings.judge0.enable_submission_delete:
        raise BadRequest("delete not allowed")
    async with database.session() as session:
        found = await repository.by_token(session, token=token[:64])
        if found is None or not _may_see(caller, found):
            raise NotFound()
        if found.status_id in repository.UNFINISHED:
            status = Status(found.status_id)
            raise BadRequest(
                f"submission cannot be deleted because its status is {int(status)} "
                f"({status_object(int(status), extensions=True)['description']})"
            )
        await session.delete(found)
        await audit(
            session,
            actor=await repository.user(session, user_id=caller.user_id),
            action="judge0.delete",
            target=found.token,
        )
    return found


# Running ------------------------------------------------------------------------------------


def programs_of(submission: Judge0Submission) -> list[Program]:
    """One program per test case (Viva's viva_tests), else the submission's own stdin."""
    language = LANGUAGES[submission.language_id]
    options = submission.options or {}
    base = Program(
        kind=language.kind,
        source=submission.source_code,
        stdin=submission.stdin or b"",
        expected_output=submission.expected_output,
        args=shlex.split(options.get("command_line_arguments") or ""),
        redirect_stderr_to_stdout=bool(options.get("redirect_stderr_to_stdout")),
        additional_files=submission.additional_files,
        cpu_time_limit=float(options["cpu_time_limit"]),
        cpu_extra_time=float(options["cpu_extra_time"]),
        wall_time_limit=float(options["wall_time_limit"]),
        memory_limit_kb=int(options["memory_limit"]),
        max_file_size_kb=int(options["max_file_size"]),
    )
    if not submission.viva_tests:
        return [base]
    return [
        replace(
            base,
            stdin=base64.b64decode(t["stdin"]) if t.get("stdin") else b"",
            expected_output=base64.b64decode(t["expected_output"])
            if t.get("expected_output") is not None
            else None,
        )
        for t in submission.viva_tests
    ]


def internal_error(message: str) -> Result:
    return Result(status=Status.INTERNAL_ERROR, message=message)


async def process(
    database: Database, *, settings: Settings, submission_id: int
) -> Judge0Submission | None:
    """Run one stored submission and store its result; None when there is nothing to run
    (gone, or finished by another worker)."""
    async with database.session() as session:
        submission = await repository.get(session, submission_id=submission_id)
        if submission is None or submission.status_id not in repository.UNFINISHED:
            return None
        if submission.status_id == Status.PROCESSING and _running_elsewhere(submission):
            return None  # another process runs it (every process recovers at start)
        claimed = await repository.claim(
            session,
            submission_id=submission_id,
            status_id=submission.status_id,
            attempts=submission.attempts,
            at=now(),
        )
        if not claimed:
            return None  # another worker took it first
        await session.refresh(submission)
        attempts = submission.attempts
        # A language can go away (Viva's interpreter upgraded: its exact-version id changes).
        programs = programs_of(submission) if submission.language_id in LANGUAGES else []
        runs = int((submission.options or {}).get("number_of_runs") or 1)
        has_tests = bool(submission.viva_tests)
    per_test: list[Result] = []
    if attempts > MAX_ATTEMPTS:
        overall = internal_error(f"the run was interrupted {attempts - 1} times; giving up")
    elif not programs:
        overall = internal_error("this language is not available any more")
    else:
        from viva.grading import grader as grading

        try:
            sandbox = await asyncio.to_thread(grading.get_runner, settings)
            overall, per_test = await asyncio.to_thread(run_all, sandbox, programs, runs)
        except ServiceUnavailable as exc:
            overall = internal_error(exc.detail)
        except Exception as exc:  # the submission ends as Internal Error, never left running
            log.error("judge0_run_failed", submission=submission_id, error=repr(exc))
            overall = internal_error("the run failed on the server's side")
    async with database.session() as session:
        submission = await repository.get(session, submission_id=submission_id)
        if submission is None:  # deleted meanwhile
            return None
        _store(submission, overall)
        if has_tests and submission.viva_tests:
            submission.viva_tests = [
                {**case, **_stored_result(result)}
                for case, result in zip(submission.viva_tests, per_test, strict=False)
            ] or submission.viva_tests
        submission.finished_at = now()
    return submission


def lease_left(submission: Judge0Submission) -> float:
    """Seconds until a Processing submission may be taken over: the lease is the longest its
    run can take (every test case, every run, its wall clock) and a minute."""
    options = submission.options or {}
    longest = float(options.get("wall_time_limit") or 0) * int(options.get("number_of_runs") or 1)
    longest *= max(1, len(submission.viva_tests or []))
    started = submission.started_at
    if submission.status_id != Status.PROCESSING or started is None:
        return 0.0
    return max(0.0, longest + 60 - (now() - started).total_seconds())


def _running_elsewhere(submission: Judge0Submission) -> bool:
    return lease_left(submission) > 0


def _store(submission: Judge0Submission, result: Result) -> None:
    for name, value in result.fields().items():
        if isinstance(value, str):
            value = storable(value)
        setattr(submission, name, value)


def _stored_result(result: Result) -> dict[str, Any]:
    return {k: storable(v) if isinstance(v, str) else v for k, v in result.fields().items()}


async def unfinished(database: Database) -> list[tuple[int, float]]:
    """Submissions left In Queue or Processing, each with how long to wait before running
    it (a Processing one may still run in another process until its lease ends)."""
    async with database.session() as session:
        ids = await repository.unfinished_ids(session)
        found = [await repository.get(session, submission_id=i) for i in ids]
    return [(row.id, lease_left(row)) for row in found if row is not None]

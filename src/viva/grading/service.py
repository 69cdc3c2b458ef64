"""Grading use cases: run the visible examples, submit, read submissions (grading a queued
submission and storing its verdict is claims.py).

The one home of each: the API routes, the pages, the CLI and the grading workers call these.
Nothing here commits: the caller's unit of work does, and what must follow the commit
(enqueueing a submission) is registered with `after_commit`. CPU-bound grading runs in worker
threads (the sandbox blocks).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import Database, after_commit
from viva.errors import NotFound, ServiceUnavailable, SourceRejected
from viva.events import EventBus
from viva.grading import repository
from viva.grading.catalogue import AnyChallenge, Catalogue
from viva.grading.grader import (
    PropertyPools,
    get_runner,
    grade_source,
    grading_unavailable,
    process_pools,
)
from viva.grading.judge.outcome import Grade, storable
from viva.grading.models import Submission, SubmissionStatus
from viva.grading.mutants import MutantChallenge, grade_tests
from viva.grading.schemas import GradeOut, SubmissionOut, SubmissionSummary, TestOut
from viva.grading.sql.challenges import SqlChallenge
from viva.grading.sql.grading import SqlEngines, grade_sql
from viva.grading.sql.postgres_engine import PostgresEngine
from viva.grading.sql.result import SqlRejected
from viva.settings import Settings

Enqueue = Callable[[int], Awaitable[None]]


class RunElsewhere(Protocol):
    """Grade on a `viva worker` (server mode): the visible examples of challenge `slug`, or,
    given `draft` (an authored challenge's row-to-be, not stored yet), all of its tests."""

    def __call__(
        self, slug: str, source: str, dialect: str | None, *, draft: dict[str, Any] | None = None
    ) -> Awaitable[Grade]: ...


@dataclass(frozen=True)
class JobDone:
    """What a job (`Job.run`) did: `grade` is the submission's verdict (counted in the
    grading metrics like any other); `store` records the job's own result in the unit of
    work that stores the verdict, so both are stored once and only while the claim holds."""

    grade: Grade
    store: Callable[[AsyncSession], Awaitable[None]] | None = None


class Job(Protocol):
    """Work of another kind than grading a challenge that rides the grading queue (the
    Judge0 API's runs): stored by `add_job` as a submission whose `challenge` is the kind,
    then queued, claimed, leased, recovered and counted exactly like a graded submission,
    in-process or by `viva worker`. `run` is called while the claim is held and renewed."""

    async def run(self, ctx: GradingContext, submission_id: int) -> JobDone: ...

    async def close(self) -> None: ...


@dataclass
class GradingContext:
    """What grading needs in one process (app, CLI run or worker): built once, on
    `app.state.grading`. `owner` names this process's claims."""

    settings: Settings
    database: Database
    catalogue: Catalogue
    events: EventBus
    sql_engines: SqlEngines
    pools: PropertyPools = field(default_factory=process_pools)
    enqueue: Enqueue | None = None  # the queue's, when submissions are graded in the background
    run_elsewhere: RunElsewhere | None = None  # server mode: `viva worker` runs them
    owner: str = field(default_factory=lambda: f"{os.getpid()}-{secrets.token_hex(6)}")
    jobs: dict[str, Job] = field(default_factory=dict)  # by kind; never a challenge slug

    @classmethod
    def build(
        cls, *, settings: Settings, database: Database, catalogue: Catalogue, events: EventBus
    ) -> GradingContext:
        url = settings.sql_postgres_url
        engines = SqlEngines(PostgresEngine(url) if url else None)
        return cls(settings, database, catalogue, events, engines)

    async def close(self) -> None:
        for job in self.jobs.values():
            await job.close()
        await self.sql_engines.close()


# Checks before anything is stored ------------------------------------------------------------


def check_source(source: str, *, max_bytes: int) -> None:
    if len(source.encode("utf-8", "surrogatepass")) > max_bytes:
        raise SourceRejected(f"the source is larger than {max_bytes // 1024} KB")
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise SourceRejected("the source is not valid Unicode (a lone surrogate)") from None
    if "\x00" in source:
        raise SourceRejected("the source contains a NUL character")
    if not source.strip():
        raise SourceRejected("the source is empty")


def submission_dialect(challenge: AnyChallenge, dialect: str | None) -> str | None:
    """The engine a SQL submission runs on (None for Python); refuses one it does not offer."""
    if not isinstance(challenge, SqlChallenge):
        return None
    chosen = dialect or challenge.meta.dialects[0]
    if chosen not in challenge.meta.dialects:
        raise SourceRejected(f"this challenge is graded on {', '.join(challenge.meta.dialects)}")
    return chosen


def refuse_if_ungradable(settings: Settings, *, dialect: str | None) -> None:
    """Raise ServiceUnavailable before anything is stored when the submission's engine
    needs the sandbox and this host has none (PostgreSQL SQL runs on its server). Never in
    server mode: the workers grade, on their own hosts' sandboxes."""
    if dialect in (None, "sqlite"):
        reason = grading_unavailable(settings)
        if reason:
            raise ServiceUnavailable(reason)


async def _checked(
    ctx: GradingContext, session: AsyncSession, *, slug: str, source: str, dialect: str | None
) -> tuple[AnyChallenge, str | None]:
    await ctx.catalogue.ensure(session, slug=slug)
    challenge = ctx.catalogue.find(slug)
    check_source(source, max_bytes=ctx.settings.max_source_bytes)
    chosen = submission_dialect(challenge, dialect)
    refuse_if_ungradable(ctx.settings, dialect=chosen)  # never stored if never gradable
    if chosen is None and not ctx.settings.grading_on_redis:  # workers grade in server mode
        await asyncio.to_thread(get_runner, ctx.settings)  # refuse now if we cannot grade
    return challenge, chosen


# Use cases -----------------------------------------------------------------------------------


async def grade_any(
    ctx: GradingContext,
    *,
    challenge: AnyChallenge,
    source: str,
    dialect: str | None,
    visible_only: bool,
) -> Grade:
    """Grade Python (code, or tests against mutants) in the sandbox, or SQL on its engine."""
    if isinstance(challenge, SqlChallenge):
        chosen = submission_dialect(challenge, dialect)
        assert chosen is not None
        try:
            return await grade_sql(
                ctx.sql_engines, challenge, source, chosen, visible_only=visible_only
            )
        except SqlRejected as exc:
            raise ServiceUnavailable(str(exc)) from exc
    runner = await asyncio.to_thread(get_runner, ctx.settings)
    if isinstance(challenge, MutantChallenge):
        return await asyncio.to_thread(
            grade_tests, runner, challenge, source, visible_only=visible_only
        )
    return await asyncio.to_thread(
        grade_source,
        runner,
        challenge,
        source,
        visible_only=visible_only,
        secret=ctx.settings.effective_secret_key,
        pools=ctx.pools,
    )


async def run_examples(
    ctx: GradingContext, session: AsyncSession, *, slug: str, source: str, dialect: str | None
) -> Grade:
    """Grade the visible examples only; nothing is recorded. In server mode a worker runs
    them (this process only checks the input): ServiceUnavailable if none answers in time."""
    challenge, chosen = await _checked(ctx, session, slug=slug, source=source, dialect=dialect)
    if ctx.run_elsewhere is not None:
        return await ctx.run_elsewhere(challenge.slug, source, chosen)
    return await grade_any(
        ctx, challenge=challenge, source=source, dialect=chosen, visible_only=True
    )


async def submit(
    ctx: GradingContext,
    session: AsyncSession,
    *,
    slug: str,
    source: str,
    dialect: str | None = None,
    user_id: int | None = None,
) -> Submission:
    """Store a submission as queued; once the unit of work commits it is enqueued (stored
    before grading starts, so a crash cannot lose it)."""
    challenge, chosen = await _checked(ctx, session, slug=slug, source=source, dialect=dialect)
    submission = await repository.add_submission(
        session,
        Submission(
            challenge=challenge.slug,
            source=source,
            status=SubmissionStatus.QUEUED,
            tests=[],
            message="",
            dialect=chosen,
            user_id=user_id,
        ),
    )
    if ctx.enqueue is not None:
        enqueue, submission_id = ctx.enqueue, submission.id
        after_commit(session, lambda: enqueue(submission_id))
    return submission


async def add_job(ctx: GradingContext, session: AsyncSession, *, kind: str) -> Submission:
    """Store a job of `kind` (one of `ctx.jobs`) as a queued submission, enqueued once the
    unit of work commits; its owner and inputs are the job's own (its domain's table)."""
    if kind not in ctx.jobs:
        raise ValueError(f"no job of kind {kind!r} in this grading context")
    submission = await repository.add_submission(
        session,
        Submission(challenge=kind, source="", status=SubmissionStatus.QUEUED, tests=[], message=""),
    )
    if ctx.enqueue is not None:
        enqueue, submission_id = ctx.enqueue, submission.id
        after_commit(session, lambda: enqueue(submission_id))
    return submission


async def get_submission(session: AsyncSession, *, submission_id: int) -> Submission:
    submission = await repository.get_submission(session, submission_id=submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    return submission


async def own_submissions(
    session: AsyncSession, *, user_id: int, slug: str, limit: int
) -> list[SubmissionSummary]:
    """A user's submissions to one challenge, newest first, with their code."""
    rows = await repository.submissions_of_user(
        session, user_id=user_id, challenge=slug, limit=limit
    )
    return [
        SubmissionSummary(
            id=s.id,
            dialect=s.dialect,
            status=s.status,
            verdict=s.verdict,
            score=s.score,
            passed=s.passed,
            total=s.total,
            message=s.message,
            source=s.source,
            created_at=s.created_at,
        )
        for s in rows
    ]


@dataclass(frozen=True)
class GradedSubmission:
    """A graded submission as other domains see it (practice's progress)."""

    id: int
    challenge: str
    verdict: str | None
    score: float | None
    created_at: datetime


async def graded_of_user(session: AsyncSession, *, user_id: int) -> list[GradedSubmission]:
    """The declared seam to grading's results: the user's graded submissions, newest first."""
    rows = await repository.finished_of_user(session, user_id=user_id)
    return [GradedSubmission(r.id, r.challenge, r.verdict, r.score, r.created_at) for r in rows]


def grade_out(g: Grade) -> GradeOut:
    return GradeOut(
        verdict=g.verdict.value,
        score=g.score,
        passed=g.passed,
        total=len(g.tests),
        message=storable(g.message),
        tests=[TestOut(**t.public()) for t in g.tests],
    )


def submission_out(s: Submission) -> SubmissionOut:
    return SubmissionOut.model_validate(s, from_attributes=True)

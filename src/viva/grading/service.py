"""Grading use cases: challenge views, runs of the visible examples, and submissions.

CPU-bound grading happens in worker threads (the sandbox blocks); everything here that
touches the database is async and never commits on its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from viva.errors import NotFound, ServiceUnavailable, VivaError
from viva.grading import authored
from viva.grading.challenges import Challenge, TestCase, generate_cases, load_challenges
from viva.grading.judge import Grade, Verdict, build_job, grade, storable
from viva.grading.models import Submission
from viva.grading.runners import DirectRunner, Runner
from viva.grading.schemas import (
    ChallengeDetail,
    ChallengeSummary,
    Example,
    GradeOut,
    SubmissionOut,
    SubmissionSummary,
    TestOut,
)
from viva.grading.sql.challenges import Dataset, SqlChallenge, load_sql_challenges
from viva.grading.sql.compare import display
from viva.grading.sql.engines import SqlRejected, run_sqlite
from viva.grading.sql.grading import MODES, SqlEngines, grade_sql
from viva.settings import Settings


class SourceRejected(VivaError):
    status = 422
    title = "Source rejected"


def list_challenges() -> list[ChallengeSummary]:
    """Shipped Python and SQL challenges, then those interviewers wrote (see `authored`)."""
    items = [_summary(c) for c in load_challenges().values()]
    items += [_sql_summary(c) for c in load_sql_challenges().values()]
    items += [_summary(c) for c in authored.all_authored()]
    return sorted(items, key=lambda c: (c.seed_question or 1000, c.slug))


def challenges_for(seed_question: int) -> list[ChallengeSummary]:
    """The challenges that practise a question of the built-in track."""
    return [c for c in list_challenges() if c.seed_question == seed_question]


def require_challenge(slug: str) -> Challenge:
    challenge = load_challenges().get(slug) or authored.get(slug)
    if challenge is None:
        raise NotFound(f"no challenge '{slug}'")
    return challenge


def find_challenge(slug: str) -> Challenge | SqlChallenge:
    """A Python or a SQL challenge, or NotFound."""
    sql = load_sql_challenges().get(slug)
    return sql if sql is not None else require_challenge(slug)


def _sql_summary(c: SqlChallenge) -> ChallengeSummary:
    m = c.meta
    return ChallengeSummary(
        slug=c.slug,
        title=m.title,
        seed_question=m.seed_question,
        kind="sql",
        difficulty=m.difficulty,
        tags=m.tags,
    )


def sql_detail(c: SqlChallenge) -> ChallengeDetail:
    """Blocking (it runs the reference on the example data in SQLite)."""
    example = c.visible[0]
    mode = MODES[c.meta.check]
    reference = (
        run_sqlite(c, example, c.solution("sqlite"), mode=mode, trusted=True)
        if ("sqlite" in c.meta.dialects)
        else None
    )
    examples = []
    if reference is not None:
        what = {
            "rows": "the query's result",
            "plan": f"the result of `{c.meta.plan.query if c.meta.plan else ''}`",
            "atomic": "the final state",
        }[c.meta.check]
        examples.append(
            Example(
                name=f"On the example data, {what}",
                input="",
                expected={
                    "columns": reference.columns,
                    "rows": [[display(v) for v in r] for r in reference.rows[:50]],
                },
            )
        )
    return ChallengeDetail(
        **_sql_summary(c).model_dump(),
        prompt=c.prompt,
        starter=c.starter,
        examples=examples,
        hidden_tests=len(c.datasets) - len(c.visible),
        limits={"timeout_ms": float(c.meta.limits.timeout_ms)},
        dialects=list(c.meta.dialects),
        schema_sql=c.schema,
        sample_rows=sample_rows(c, example),
    )


def sample_rows(c: SqlChallenge, dataset: Dataset) -> dict[str, dict[str, Any]]:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(c.schema + "\n" + dataset.sql)
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
        ]
        out = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" LIMIT 8')  # noqa: S608  (our own table)
            out[table] = {
                "columns": [d[0] for d in cursor.description],
                "rows": [[display(v) for v in r] for r in cursor.fetchall()],
            }
        return out
    finally:
        conn.close()


def submission_dialect(challenge: Challenge | SqlChallenge, dialect: str | None) -> str | None:
    """The engine a SQL submission runs on (None for Python); refuses one it does not offer."""
    if not isinstance(challenge, SqlChallenge):
        return None
    chosen = dialect or challenge.meta.dialects[0]
    if chosen not in challenge.meta.dialects:
        raise SourceRejected(f"this challenge is graded on {', '.join(challenge.meta.dialects)}")
    return chosen


async def grade_any(
    *,
    settings: Settings,
    sql_engines: SqlEngines,
    slug: str,
    source: str,
    dialect: str | None,
    visible_only: bool,
) -> tuple[Grade, str | None]:
    """Grade Python in the sandbox or SQL on its engine; returns the grade and the dialect."""
    challenge = find_challenge(slug)
    if isinstance(challenge, SqlChallenge):
        chosen = dialect or challenge.meta.dialects[0]
        if chosen not in challenge.meta.dialects:
            raise SourceRejected(
                f"this challenge is graded on {', '.join(challenge.meta.dialects)}"
            )
        try:
            result = await grade_sql(
                sql_engines, challenge, source, chosen, visible_only=visible_only
            )
        except SqlRejected as exc:
            raise ServiceUnavailable(str(exc)) from exc
        return result, chosen
    runner = await asyncio.to_thread(get_runner, settings)
    result = await asyncio.to_thread(
        grade_source,
        runner,
        challenge,
        source,
        visible_only=visible_only,
        secret=settings.effective_secret_key,
    )
    return result, None


def _summary(c: Challenge) -> ChallengeSummary:
    m = c.meta
    return ChallengeSummary(
        slug=c.slug,
        title=m.title,
        seed_question=m.seed_question,
        kind=m.kind,
        difficulty=m.difficulty,
        tags=m.tags,
    )


def describe(test: TestCase) -> tuple[str, Any]:
    """A visible test as the candidate reads it: the code it runs and what it expects."""
    if test.kind == "call":
        args = [json.dumps(a, ensure_ascii=False) for a in test.args]
        args += [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in test.kwargs.items()]
        expected = {"raises": test.raises} if test.raises else test.expected
        return f"{test.call}({', '.join(args)})", expected
    if test.kind == "script":
        lines = [test.setup.rstrip()] if test.setup else []
        expected = []
        for step in test.steps:
            lines.append(step.exec if step.exec is not None else f">>> {step.eval}")
            if step.eval is not None:
                expected.append({"raises": step.raises} if step.raises else step.expected)
        return "\n".join(lines), expected
    lines, expected = [], []
    for req in test.requests:
        body = f" json={json.dumps(req.json_)}" if req.json_ is not None else ""
        lines.append(f"{req.method} {req.url}{body}")
        want = req.expect.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
        expected.append(want | {"status": req.expect.status})
    return "\n".join(lines), expected


def challenge_detail(slug: str) -> ChallengeDetail:
    found = find_challenge(slug)
    if isinstance(found, SqlChallenge):
        return sql_detail(found)
    c = found
    examples = [
        Example(name=t.name, input=describe(t)[0], expected=describe(t)[1]) for t in c.visible
    ]
    return ChallengeDetail(
        **_summary(c).model_dump(),
        prompt=c.prompt,
        starter=c.starter,
        examples=examples,
        hidden_tests=len(c.tests) - len(c.visible),
        limits=c.meta.limits.model_dump(),
    )


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


# A property test draws a pool of cases once per process (seeded from the secret key) and
# the reference solution's values on all of them in one sandbox run; each submission is
# graded on a subset chosen by HMAC(secret, its source), so the cases cannot be hard-coded
# from an earlier run and the same submission re-graded meets the same cases.
POOL_PER_CASE = 10  # pool cases per case a submission gets
POOL_MAX = 2000
FIXED_SHARE = 8  # 1/8 of a submission's cases are the pool's first (Hypothesis's simplest)

_RESOLVED: dict[tuple[str, str], list[TestCase]] = {}
_RESOLVE_LOCK = threading.Lock()


def _digest(secret: str, *parts: str) -> bytes:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode("utf-8", "surrogatepass"), message, hashlib.sha256).digest()


def _pooled_tests(runner: Runner, challenge: Challenge, secret: str) -> list[TestCase]:
    """The challenge's tests with each property test holding its whole pool: generated
    inputs, and the reference solution's results on them (run in the sandbox) as expected
    values. Computed once per process, challenge and secret."""
    if not any(t.kind == "property" for t in challenge.tests):
        return challenge.tests  # nothing to draw (and an authored slug may be reused in tests)
    key = (challenge.slug, _digest(secret, "viva-property-pool").hex())
    with _RESOLVE_LOCK:
        if key in _RESOLVED:
            return _RESOLVED[key]
        tests = []
        for test in challenge.tests:
            if test.kind != "property":
                tests.append(test)
                continue
            assert test.strategy is not None
            seed = int.from_bytes(_digest(secret, "pool", challenge.slug, test.name)[:8], "big")
            size = min(POOL_MAX, test.examples * POOL_PER_CASE)
            cases = generate_cases(test.strategy, size, seed=seed)
            tests.append(_resolve_pool(runner, challenge, test, cases))
        _RESOLVED[key] = tests
        return tests


def _resolve_pool(
    runner: Runner, challenge: Challenge, test: TestCase, cases: list[list[Any]]
) -> TestCase:
    """The reference's results on every case: one run, the pool cut into tests of the
    property test's own size (so no record is larger than a submission's)."""
    chunks = [cases[i : i + test.examples] for i in range(0, len(cases), test.examples)]
    concrete = [test.model_copy(update={"cases": chunk}) for chunk in chunks]
    limits = challenge.meta.limits
    scaled = limits.model_copy(
        update={
            "cpu_seconds": min(30.0, limits.cpu_seconds * len(chunks)),
            "wall_seconds": min(60.0, limits.wall_seconds * len(chunks)),
        }
    )
    outcome = runner.run(build_job(challenge, challenge.solution, concrete), scaled)
    by_test = {r.get("test"): r for r in outcome.records if "steps" in r}
    expected: list[dict[str, Any]] = []
    for index, chunk in enumerate(chunks):
        steps = by_test.get(index, {}).get("steps")
        if not isinstance(steps, list) or len(steps) != len(chunk):
            raise RuntimeError(f"{challenge.slug}: the reference solution failed {test.name!r}")
        expected += steps
    return test.model_copy(update={"cases": cases, "expected_steps": expected})


def _subset(test: TestCase, slug: str, secret: str, source: str) -> TestCase:
    """The cases of the pool this source is graded on (HMAC-chosen, the same every time)."""
    size = len(test.cases)
    wanted = min(test.examples, size)
    fixed = wanted // FIXED_SHARE
    seed = _digest(secret, "cases", slug, test.name, source)
    chosen = sorted(
        [*range(fixed), *random.Random(seed).sample(range(fixed, size), wanted - fixed)]
    )
    return test.model_copy(
        update={
            "cases": [test.cases[i] for i in chosen],
            "expected_steps": [test.expected_steps[i] for i in chosen],
        }
    )


def resolved_tests(
    runner: Runner, challenge: Challenge, *, secret: str = "", source: str = ""
) -> list[TestCase]:
    """The challenge's tests with property tests made concrete for this source: its share
    of the pool's inputs, with the reference solution's results as expected values."""
    pooled = _pooled_tests(runner, challenge, secret)
    return [
        t if t.kind != "property" else _subset(t, challenge.slug, secret, source) for t in pooled
    ]


def grade_source(
    runner: Runner,
    challenge: Challenge,
    source: str,
    *,
    visible_only: bool,
    secret: str = "",
) -> Grade:
    """Blocking: run in a worker thread. A Run sees the visible examples only; a submission
    all tests, its property cases chosen by HMAC(secret, source)."""
    if visible_only:
        tests = challenge.visible
    else:
        tests = resolved_tests(runner, challenge, secret=secret, source=source)
    outcome = runner.run(build_job(challenge, source, tests), challenge.meta.limits)
    return grade(challenge, tests, outcome)


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
    return SubmissionOut(
        id=s.id,
        challenge=s.challenge,
        dialect=s.dialect,
        status=s.status,
        verdict=s.verdict,
        score=s.score,
        passed=s.passed,
        total=s.total,
        message=s.message,
        tests=[TestOut(**t) for t in s.tests],
        created_at=s.created_at,
        finished_at=s.finished_at,
    )


async def create_submission(
    session: AsyncSession,
    *,
    challenge: Challenge | SqlChallenge,
    source: str,
    dialect: str | None = None,
    user_id: int | None = None,
) -> Submission:
    submission = Submission(
        challenge=challenge.slug,
        source=source,
        status="queued",
        tests=[],
        message="",
        dialect=dialect,
        user_id=user_id,
    )
    session.add(submission)
    await session.flush()
    return submission


async def get_submission(session: AsyncSession, *, submission_id: int) -> Submission:
    submission = await session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"no submission {submission_id}")
    return submission


async def own_submissions(
    session: AsyncSession, *, user_id: int, slug: str, limit: int
) -> list[SubmissionSummary]:
    """A user's submissions to one challenge, newest first."""
    rows = await session.scalars(
        select(Submission)
        .where(Submission.user_id == user_id, Submission.challenge == slug)
        .order_by(Submission.id.desc())
        .limit(limit)
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
        for s in rows.all()
    ]


async def unfinished_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(Submission.id)
        .where(Submission.status.in_(("queued", "running")))
        .order_by(Submission.id)
    )
    return list(rows.all())


async def mark_running(session: AsyncSession, *, submission_id: int) -> Submission | None:
    submission = await session.get(Submission, submission_id)
    if submission is None or submission.status == "done":
        return None
    submission.status = "running"
    submission.attempts += 1
    submission.started_at = datetime.now(UTC)
    return submission


async def store_grade(
    session: AsyncSession, *, submission_id: int, result: Grade, fuzz: bool = True
) -> None:
    """Store the verdict; it also moves the review card of the question the challenge
    practises (so review and challenges share one schedule)."""
    submission = await get_submission(session, submission_id=submission_id)
    submission.status = "done"
    submission.verdict = result.verdict.value
    submission.score = result.score
    submission.passed = result.passed
    submission.total = len(result.tests)
    submission.message = storable(result.message[:4000])
    submission.tests = [t.public() for t in result.tests]
    submission.finished_at = datetime.now(UTC)
    if result.verdict != Verdict.INTERNAL_ERROR:
        from viva.practice import review

        try:
            seed = find_challenge(submission.challenge).meta.seed_question
        except NotFound:
            seed = None
        await review.record_verdict(
            session,
            user_id=submission.user_id,
            challenge=submission.challenge,
            seed_question=seed,
            accepted=result.verdict == Verdict.ACCEPTED,
            submission_id=submission.id,
            fuzz=fuzz,
        )


GRADING_FAILED = "grading failed on the server's side; the operator's log has the details"


def internal_error(message: str) -> Grade:
    return Grade(Verdict.INTERNAL_ERROR, 0.0, [], message)


# The runner is one per process: starting the zygotes costs a second, and their slot uids
# must not be shared by two pools.
_RUNNER: Runner | None = None
_RUNNER_ERROR: str | None = None
_RUNNER_LOCK = threading.Lock()


def grading_unavailable(settings: Settings) -> str:
    """Empty when this host can grade Python (and SQLite SQL) in isolation; otherwise why not
    and how to fix it, in one sentence for the start-up line, challenge pages and the 503."""
    if settings.sandbox == "none":
        return ""
    from viva.grading.sandbox import available

    ok, reason = available()
    return "" if ok else f"{reason}. `viva doctor` checks this host feature by feature."


def refuse_if_ungradable(settings: Settings, *, dialect: str | None) -> None:
    """Raise ServiceUnavailable before anything is stored when the submission's engine
    needs the sandbox and this host has none (PostgreSQL SQL runs on its server)."""
    if dialect in (None, "sqlite"):
        reason = grading_unavailable(settings)
        if reason:
            raise ServiceUnavailable(reason)


def get_runner(settings: Settings) -> Runner:
    """The process's runner; raises ServiceUnavailable (never falls back) when the host
    cannot isolate code."""
    global _RUNNER, _RUNNER_ERROR
    with _RUNNER_LOCK:
        if _RUNNER is not None:
            return _RUNNER
        if settings.sandbox == "none":
            _RUNNER = DirectRunner()
            return _RUNNER
        from viva.grading.sandbox import SandboxConfig, SandboxRunner, SandboxUnavailable

        try:
            _RUNNER = SandboxRunner(
                SandboxConfig(slots=settings.sandbox_slots, uid_base=settings.sandbox_uid_base)
            )
        except (SandboxUnavailable, OSError) as exc:
            _RUNNER_ERROR = str(exc)
            raise ServiceUnavailable(
                f"grading is unavailable: {exc}. Run `viva doctor` to see how to fix it."
            ) from exc
        return _RUNNER

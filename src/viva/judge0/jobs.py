"""Judge0 runs as jobs of the grading queue: the job itself (run the programs, store the
result, deliver the callback) and its metrics.

Every Judge0 submission has a grading `submissions` row of kind `KIND`, so it is queued,
claimed, leased, recovered after a crash and counted exactly like a graded submission, by
the in-process queue or by `viva worker` over the Redis Stream (`grading.service.Job`).
`install` registers the job on a process's grading context (the app's and each worker's).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shlex
import time
from dataclasses import replace
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from viva.db import Database, after_commit
from viva.errors import ServiceUnavailable
from viva.grading.grader import get_runner
from viva.grading.judge.outcome import Grade, Verdict, storable
from viva.grading.service import GradingContext, JobDone
from viva.infra.logging import log
from viva.infra.metrics import GRADING_BUCKETS, Metrics
from viva.judge0 import callbacks, repository
from viva.judge0.execution import Program, Result, run_all
from viva.judge0.languages import LANGUAGES
from viva.judge0.models import KIND, Judge0Submission
from viva.judge0.statuses import DESCRIPTIONS, Status
from viva.settings import Settings

CALLBACK_DRAIN_SECONDS = 20.0  # a stopping process lets callbacks under way finish this long

# The verdict a Judge0 status is stored and counted as on the grading row.
VERDICTS = {
    Status.ACCEPTED: Verdict.ACCEPTED,
    Status.WRONG_ANSWER: Verdict.WRONG_ANSWER,
    Status.TIME_LIMIT_EXCEEDED: Verdict.TIME_LIMIT,
    Status.COMPILATION_ERROR: Verdict.SYNTAX_ERROR,
    Status.SIGXFSZ: Verdict.OUTPUT_LIMIT,
    Status.INTERNAL_ERROR: Verdict.INTERNAL_ERROR,
    Status.MEMORY_LIMIT_EXCEEDED: Verdict.MEMORY_LIMIT,
}


def install(grading: GradingContext, *, metrics: Metrics | None) -> Judge0Jobs:
    """Let this process's grading queue run Judge0 jobs; before the queue starts, so the
    jobs it recovers at start are Judge0's and not unknown challenges."""
    jobs = Judge0Jobs(settings=grading.settings, metrics=metrics)
    grading.jobs[KIND] = jobs
    return jobs


class Judge0Jobs:
    """The Judge0 job of one process: stateless but for its metrics and the callbacks it is
    delivering (sent after the result is committed, off the grading slot)."""

    def __init__(self, *, settings: Settings, metrics: Metrics | None) -> None:
        self.settings = settings
        self._callbacks: set[asyncio.Task[bool]] = set()
        self._counted: tuple[Counter, Histogram] | None = None
        if metrics is not None:
            self._counted = (
                Counter(
                    "viva_judge0_jobs",
                    "Judge0 submissions run, by Judge0 status",
                    ["status"],
                    registry=metrics.registry,
                ),
                Histogram(
                    "viva_judge0_duration_seconds",
                    "Time to run one Judge0 submission (every test case and run)",
                    buckets=GRADING_BUCKETS,
                    registry=metrics.registry,
                ),
            )

    async def run(self, ctx: GradingContext, submission_id: int) -> JobDone:
        """Run the submission's programs in the sandbox (the claim is held and renewed
        meanwhile); the result is stored by `JobDone.store`, once, with the verdict."""
        async with ctx.database.session() as session:
            row = await repository.by_submission(session, submission_id=submission_id)
            if row is None:
                return JobDone(_grade(_internal("the submission was deleted")))
            # A language can go away (Viva's interpreter upgraded: its exact-version id changes).
            programs = programs_of(row) if row.language_id in LANGUAGES else []
            runs = int((row.options or {}).get("number_of_runs") or 1)
        started = time.perf_counter()
        per_test: list[Result] = []
        if not programs:
            overall = _internal("this language is not available any more")
        else:
            try:
                sandbox = await asyncio.to_thread(get_runner, ctx.settings)
                overall, per_test = await asyncio.to_thread(run_all, sandbox, programs, runs)
            except ServiceUnavailable as exc:
                overall = _internal(exc.detail)
            except Exception as exc:  # the submission ends as Internal Error, never running
                log.error("judge0_run_failed", submission=submission_id, error=repr(exc))
                overall = _internal("the run failed on the server's side")
        seconds = time.perf_counter() - started

        async def store(session: AsyncSession) -> None:
            found = await repository.by_submission(session, submission_id=submission_id)
            if found is None:  # deleted meanwhile
                return
            _store(found, overall, per_test)
            self._count(overall.status, seconds)
            if found.callback_url:
                token = found.token

                async def deliver() -> None:
                    self._deliver_later(ctx.database, token)

                after_commit(session, deliver)

        return JobDone(_grade(overall), store)

    def _count(self, status: Status, seconds: float) -> None:
        if self._counted is not None:
            jobs, duration = self._counted
            jobs.labels(DESCRIPTIONS[status]).inc()
            duration.observe(seconds)

    def _deliver_later(self, database: Database, token: str) -> None:
        task = asyncio.create_task(
            callbacks.deliver(database, token=token, config=self.settings.judge0),
            name=f"judge0-callback-{token}",
        )
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def close(self) -> None:
        """Let the callbacks under way finish (for a while), then stop them."""
        pending = list(self._callbacks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=CALLBACK_DRAIN_SECONDS)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task


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


def _internal(message: str) -> Result:
    return Result(status=Status.INTERNAL_ERROR, message=message)


def _grade(result: Result) -> Grade:
    verdict = VERDICTS.get(result.status, Verdict.RUNTIME_ERROR)
    return Grade(verdict, 1.0 if verdict == Verdict.ACCEPTED else 0.0, [], result.message or "")


def _store(submission: Judge0Submission, overall: Result, per_test: list[Result]) -> None:
    for name, value in _storable(overall).items():
        setattr(submission, name, value)
    if submission.viva_tests and per_test:
        submission.viva_tests = [
            {**case, **_storable(result)}
            for case, result in zip(submission.viva_tests, per_test, strict=False)
        ]


def _storable(result: Result) -> dict[str, Any]:
    return {k: storable(v) if isinstance(v, str) else v for k, v in result.fields().items()}

"""Grading a SQL submission: run it on every dataset, compare with the reference, decide."""

from __future__ import annotations

import asyncio
from typing import Any

from viva.grading.judge.outcome import Grade, TestResult, Verdict, tell_one_bit, told_score
from viva.grading.sql.challenges import Dataset, SqlChallenge
from viva.grading.sql.compare import compare, display
from viva.grading.sql.postgres_engine import PostgresEngine
from viva.grading.sql.result import Mode, SqlRejected, SqlResult
from viva.grading.sql.sqlite_engine import prefetch_sqlite, run_sqlite_async

MODES: dict[str, Mode] = {"rows": "query", "plan": "ddl", "atomic": "script"}
SHOWN_ROWS = 20
# What a failing run on a hidden dataset may say: the engine's own text could carry the hidden
# data (a cast or JSON error quotes the value, a whole row or table once aggregated).
HIDDEN_ERRORS = {
    "timeout": "the query ran past the time limit on hidden data",
    "too_many": "the result on hidden data is over the size limit",
    "memory": "the query ran out of memory on hidden data",
}
HIDDEN_ERROR = "Runtime Error on hidden data (the error text is not shown for hidden datasets)"


class SqlEngines:
    """The engines of this process; PostgreSQL only when a grading database is configured."""

    def __init__(self, postgres: PostgresEngine | None = None) -> None:
        self.postgres = postgres
        self._reference: dict[tuple[str, str, str], SqlResult] = {}
        self._started = postgres is None
        self._start_lock = asyncio.Lock()

    async def _ensure_started(self) -> None:
        if self._started or self.postgres is None:
            return
        async with self._start_lock:
            if not self._started:
                await self.postgres.start()
                self._started = True

    async def run(
        self, challenge: SqlChallenge, dialect: str, dataset: Dataset, sql: str, *, trusted: bool
    ) -> SqlResult:
        mode = MODES[challenge.meta.check]
        if dialect == "sqlite":
            return await run_sqlite_async(challenge, dataset, sql, mode=mode, trusted=trusted)
        if self.postgres is None:
            raise SqlRejected(
                "PostgreSQL grading is not configured on this server (VIVA_SQL_POSTGRES_URL)"
            )
        await self._ensure_started()
        return await self.postgres.run(challenge, dataset, sql, mode=mode, trusted=trusted)

    async def reference(self, challenge: SqlChallenge, dialect: str, dataset: Dataset) -> SqlResult:
        key = (challenge.slug, dialect, dataset.name)
        if key not in self._reference:
            result = await self.run(
                challenge, dialect, dataset, challenge.solution(dialect), trusted=True
            )
            if (result.error and result.error_kind != "runtime") or (
                result.error and challenge.meta.check != "atomic"
            ):
                raise RuntimeError(
                    f"{challenge.slug}/{dataset.name} reference failed: {result.error}"
                )
            self._reference[key] = result
        return self._reference[key]

    async def close(self) -> None:
        if self.postgres is not None and self._started:
            await self.postgres.close()


def _shown(columns: list[str], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    return {
        "columns": columns,
        "rows": [[display(v) for v in r] for r in rows[:SHOWN_ROWS]],
        "row_count": len(rows),
    }


async def grade_sql(
    engines: SqlEngines, challenge: SqlChallenge, sql: str, dialect: str, *, visible_only: bool
) -> Grade:
    if dialect not in challenge.meta.dialects:
        return Grade(
            Verdict.INTERNAL_ERROR,
            0.0,
            [],
            f"this challenge is graded on {', '.join(challenge.meta.dialects)}",
        )
    try:
        sql.encode("utf-8")
    except UnicodeEncodeError:
        return Grade(
            Verdict.SYNTAX_ERROR, 0.0, [], "the SQL contains characters that are not valid UTF-8"
        )
    datasets = challenge.visible if visible_only else challenge.datasets
    if dialect == "sqlite":  # one request to the SQLite worker for all of them
        await prefetch_sqlite(challenge, datasets, sql, mode=MODES[challenge.meta.check])
    results: list[TestResult] = []
    first_error_kind: str | None = None
    for dataset in datasets:
        name = f"{'hidden data' if dataset.hidden else 'example data'} {dataset.name}"
        expected = await engines.reference(challenge, dialect, dataset)
        try:
            got = await engines.run(challenge, dialect, dataset, sql, trusted=False)
        except SqlRejected as exc:
            return Grade(Verdict.INTERNAL_ERROR, 0.0, results, str(exc))
        test = TestResult(name, dataset.hidden, 1.0, False, "wrong", ms=round(got.ms, 2))
        failed_script = challenge.meta.check == "atomic" and got.error_kind == "runtime"
        if got.error and not failed_script:
            test.status = "error"
            test.message = got.error[:1000]
            if dataset.hidden:
                test.message = HIDDEN_ERRORS.get(got.error_kind or "", HIDDEN_ERROR)
            first_error_kind = first_error_kind or got.error_kind
        else:
            diff = compare(
                expected.columns, expected.rows, got.columns, got.rows, challenge.meta.compare
            )
            plan_ok = challenge.meta.check != "plan" or bool(got.plan_uses_index)
            test.passed = diff.ok and plan_ok
            test.status = "passed" if test.passed else "wrong"
            if not plan_ok:
                assert challenge.meta.plan is not None
                test.message = (
                    f"`{challenge.meta.plan.query}` does not use an index on "
                    f"{challenge.meta.plan.table}:\n{got.plan}"
                )[:2000]
            elif not diff.ok:
                test.message = diff.message
                if failed_script and not dataset.hidden:
                    test.message += f" (the script failed with: {(got.error or '')[:500]})"
            test.expected = _shown(expected.columns, expected.rows)
            test.got = _shown(got.columns, got.rows) | {
                "missing": diff.missing,
                "extra": diff.extra,
            }
        results.append(test)
    tell_one_bit(results)  # as for Python: which hidden dataset failed is not told
    score = told_score(results)
    first_bad = next((t for t in results if not t.passed), None)
    if first_bad is None:
        return Grade(Verdict.ACCEPTED, 1.0, results)
    verdict = {
        "syntax": Verdict.SYNTAX_ERROR,
        "timeout": Verdict.TIME_LIMIT,
        "too_many": Verdict.OUTPUT_LIMIT,
        "runtime": Verdict.RUNTIME_ERROR,
        "memory": Verdict.MEMORY_LIMIT,
    }.get(first_error_kind or "", Verdict.WRONG_ANSWER)
    if first_bad.status == "wrong" and first_error_kind is None:
        verdict = Verdict.WRONG_ANSWER
    message = (
        first_bad.message
        if not first_bad.hidden or first_bad.status == "error"
        else "wrong result on hidden data (which dataset is not shown)"
    )
    if first_bad.hidden and first_bad.status == "error":
        message = first_bad.message.split("\n")[0][:300]
    return Grade(verdict, score, results, message)

"""The SQLite engine: candidate SQL runs in a sandboxed worker process (sqlite_runner.py,
runtime/sqlite_worker.py), never in Viva's: a fresh in-memory database per run, an authorizer
that allows only what the check needs on the challenge's own tables (no ATTACH, PRAGMA,
load_extension, schema tables), memory, time and result limits.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import time
from typing import Any

from viva.errors import ServiceUnavailable
from viva.grading.runtime import sqlite_run
from viva.grading.sql.challenges import Dataset, SqlChallenge
from viva.grading.sql.result import Mode, SqlResult
from viva.grading.sql.sqlite_runner import (
    KILL_GRACE_SECONDS,
    SqlitePool,
    SqliteUnavailable,
    WorkerConfig,
    WorkerLost,
    shared_pool,
)

# The result caps of a run, enforced by the worker before anything is sent and checked again
# here: the whole encoded result, and any one value.
MAX_RESULT_BYTES = 1 << 20
MAX_VALUE_BYTES = 256 << 10


def _sqlite_job(
    challenge: SqlChallenge, dataset: Dataset, sql: str, mode: Mode, trusted: bool
) -> dict[str, Any]:
    meta = challenge.meta
    return {
        "key": _dataset_key(challenge.schema, dataset.sql),
        "sql": sql,
        "mode": mode,
        "trusted": trusted,
        "timeout_ms": meta.limits.timeout_ms,
        "max_rows": meta.compare.max_rows,
        "max_bytes": MAX_RESULT_BYTES,
        "max_value": MAX_VALUE_BYTES,
        "memory_mb": WorkerConfig.heap_mb,
        "plan_query": meta.plan.query if meta.plan else None,
        "plan_table": meta.plan.table if meta.plan else None,
        "state_query": meta.state_query,
    }


@functools.lru_cache(maxsize=256)
def _dataset_key(schema: str, dataset_sql: str) -> str:
    script = schema + "\n" + dataset_sql
    return hashlib.sha256(script.encode("utf-8", "surrogatepass")).hexdigest()


def _sqlite_result(reply: dict[str, Any], job: dict[str, Any]) -> SqlResult:
    """A worker's reply as a SqlResult, checked again against the caps (the parent does not
    trust the worker's count: it holds candidate data)."""
    error = reply.get("error")
    result = SqlResult(
        error=str(error) if error is not None else None,
        error_kind=reply.get("error_kind") or ("runtime" if error is not None else None),
        plan=str(reply.get("plan") or "")[:4000],
        plan_uses_index=reply.get("plan_uses_index"),
        ms=float(reply.get("ms") or 0.0),
    )
    if result.error_kind not in (None, "syntax", "runtime", "timeout", "too_many", "memory"):
        result.error_kind = "runtime"  # a lost worker ("died", "internal")
    columns, rows = reply.get("columns") or [], reply.get("rows") or []
    if not isinstance(columns, list) or not isinstance(rows, list):
        result.error, result.error_kind = "the SQLite worker sent a bad reply", "runtime"
        return result
    if len(rows) > int(job["max_rows"]):
        result.error, result.error_kind = f"more than {job['max_rows']} rows", "too_many"
        return result
    decoded = []
    for row in rows:
        values = tuple(sqlite_run.decode_value(v) for v in row)
        if any(isinstance(v, (str, bytes)) and len(v) > MAX_VALUE_BYTES for v in values):
            result.error = f"a value is larger than {MAX_VALUE_BYTES // 1024} KB"
            result.error_kind = "too_many"
            return result
        decoded.append(values)
    result.columns, result.rows = [str(c) for c in columns], decoded
    return result


def run_sqlite_batch(
    challenge: SqlChallenge,
    datasets: list[Dataset],
    sql: str,
    *,
    mode: Mode,
    trusted: bool,
    pool: SqlitePool | None = None,
) -> list[SqlResult]:
    """Blocking: `sql` on each dataset, in order, each on a fresh database; fewer results than
    datasets when a run hit the time or memory limit (it is the last one). Candidate SQL runs
    in a sandboxed worker process (`pool`, by default the process's), in one request; trusted
    runs (the reference on Viva's own datasets, the example on a challenge's page) run the same
    code in this process."""
    jobs = [_sqlite_job(challenge, d, sql, mode, trusted) for d in datasets]
    if trusted:
        templates = sqlite_run.Templates(kept=1)
        results = []
        for job, dataset in zip(jobs, datasets, strict=True):
            started = time.perf_counter()
            templates.prepare(job["key"], challenge.schema + "\n" + dataset.sql)
            result = _sqlite_result(sqlite_run.run(job, templates), job)
            result.ms = (time.perf_counter() - started) * 1000
            results.append(result)
        return results
    scripts = {
        job["key"]: challenge.schema + "\n" + d.sql for job, d in zip(jobs, datasets, strict=True)
    }
    # Viva's follow-up query (plan or final state) gets a time budget of its own.
    budget = (1 if mode == "query" else 2) * challenge.meta.limits.timeout_ms / 1000
    started = time.perf_counter()
    try:
        replies = (pool or shared_pool()).run(jobs, scripts, budget + KILL_GRACE_SECONDS)
    except SqliteUnavailable as exc:
        raise ServiceUnavailable(
            f"SQL grading on SQLite is unavailable: {exc}. Run `viva doctor` to see how to fix it."
        ) from exc
    except WorkerLost as exc:
        replies = [{"error": str(exc), "error_kind": exc.kind}]
    results = [_sqlite_result(r, job) for r, job in zip(replies, jobs, strict=False)]
    if results and not results[-1].ms:  # a run the worker never finished: its wall time
        elapsed = (time.perf_counter() - started) * 1000
        results[-1].ms = max(0.0, elapsed - sum(r.ms for r in results[:-1]))
    return results


def run_sqlite(
    challenge: SqlChallenge, dataset: Dataset, sql: str, *, mode: Mode, trusted: bool = False
) -> SqlResult:
    """Blocking: call from a worker thread (see run_sqlite_batch)."""
    return run_sqlite_batch(challenge, [dataset], sql, mode=mode, trusted=trusted)[0]


# The rest of a batch, for the next calls of the same grading: (owner, ((dataset, result)...)).
_Ahead = tuple[tuple[Any, ...], tuple[tuple[str, SqlResult], ...]]
_SQLITE_AHEAD: contextvars.ContextVar[_Ahead | None] = contextvars.ContextVar(
    "sqlite_ahead", default=None
)


async def run_sqlite_async(
    challenge: SqlChallenge, dataset: Dataset, sql: str, *, mode: Mode, trusted: bool = False
) -> SqlResult:
    """One run, as grade_sql asks for them: dataset after dataset. A candidate's call for the
    first visible (or first hidden) dataset runs its SQL on every visible (hidden) dataset in
    one worker request (see prefetch_sqlite); the next calls of the same task take those
    results in order. Any other call drops them: nothing is kept past the grading that asked
    for it, and no other task sees it."""
    if trusted:
        return await asyncio.to_thread(run_sqlite, challenge, dataset, sql, mode=mode, trusted=True)
    owner = (id(asyncio.current_task()), id(challenge), sql, mode)
    ahead = _SQLITE_AHEAD.get()
    _SQLITE_AHEAD.set(None)
    if ahead is not None and ahead[0] == owner and ahead[1][0][0] == dataset.name:
        rest = ahead[1][1:]
        if rest:
            _SQLITE_AHEAD.set((owner, rest))
        return ahead[1][0][1]
    group = [dataset]
    same = [d for d in challenge.datasets if d.hidden == dataset.hidden]
    if same and same[0] == dataset:  # only the first of its kind starts a batch
        group = same
    results = await prefetch_sqlite(challenge, group, sql, mode=mode)
    ahead = _SQLITE_AHEAD.get()
    if ahead is not None and ahead[0] == owner:
        _SQLITE_AHEAD.set((owner, ahead[1][1:]) if ahead[1][1:] else None)
    return results[0]


async def prefetch_sqlite(
    challenge: SqlChallenge, datasets: list[Dataset], sql: str, *, mode: Mode
) -> list[SqlResult]:
    """Run a candidate's `sql` on `datasets` now, in one worker request, for the
    run_sqlite_async calls of this task that follow in that order (grade_sql may call it
    with all the datasets it is about to grade, to save a round trip per visibility)."""
    if not datasets:
        return []
    results = await asyncio.to_thread(
        run_sqlite_batch, challenge, list(datasets), sql, mode=mode, trusted=False
    )
    owner = (id(asyncio.current_task()), id(challenge), sql, mode)
    ready = tuple((d.name, r) for d, r in zip(datasets, results, strict=False))
    _SQLITE_AHEAD.set((owner, ready) if ready else None)
    return results

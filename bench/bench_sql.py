"""SQL grading benchmark: median time to grade one submission (every dataset) on SQLite and
PostgreSQL, beside a raw query on each engine in the same run.

    VIVA_SQL_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/viva_sql_bench \\
        .venv/bin/python bench/bench_sql.py [--runs 200]

The database named in the URL is created when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import time

import asyncpg

from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql
from viva.grading.sql.postgres_engine import PostgresEngine

SLUG = "sql-top-3-salaries"


async def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get(
        "VIVA_SQL_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/viva_sql_bench"
    )
    await ensure_database(url)
    postgres = PostgresEngine(url)
    engines = SqlEngines(postgres)
    challenge = load_sql_challenges()[SLUG]
    raw_pg = await asyncpg.connect(url)
    memory = sqlite3.connect(":memory:")

    async def sqlite_raw() -> None:
        memory.execute("SELECT 1").fetchall()

    async def pg_raw() -> None:
        await raw_pg.fetchval("SELECT 1")

    def grader(dialect: str):  # type: ignore[no-untyped-def]
        async def grade() -> None:
            result = await grade_sql(
                engines, challenge, challenge.solution(dialect), dialect, visible_only=False
            )
            assert result.verdict == Verdict.ACCEPTED, result.message

        return grade

    rows = {}
    for name, fn in (
        ("raw sqlite3 `SELECT 1`", sqlite_raw),
        ("raw asyncpg `SELECT 1`", pg_raw),
        (f"grade {SLUG} on SQLite ({len(challenge.datasets)} datasets)", grader("sqlite")),
        (f"grade {SLUG} on PostgreSQL ({len(challenge.datasets)} datasets)", grader("postgres")),
    ):
        await timed(fn, 10)
        rows[name] = await timed(fn, args.runs)
    await raw_pg.close()
    await engines.close()
    print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.runs} runs each\n")
    print("| what | median ms | p99 ms | target |")
    print("|---|---:|---:|---|")
    targets = ["", "", "<= 10 ms", "<= 30 ms"]
    for (name, values), target in zip(rows.items(), targets, strict=True):
        p99 = sorted(values)[int(len(values) * 0.99) - 1]
        print(f"| {name} | {statistics.median(values):.3f} | {p99:.3f} | {target} |")


if __name__ == "__main__":
    asyncio.run(main())

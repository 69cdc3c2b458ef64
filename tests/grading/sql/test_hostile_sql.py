"""Hostile SQL: every case ends in a verdict with a message, never an exception, on both
engines, and leaves the data and Viva's own database untouched."""

from __future__ import annotations

import asyncpg
import pytest

from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import SqlChallenge
from viva.grading.sql.grading import SqlEngines, grade_sql

NOT_OK = {Verdict.RUNTIME_ERROR, Verdict.SYNTAX_ERROR, Verdict.WRONG_ANSWER}
CASES: dict[str, tuple[str, set[Verdict], tuple[str, ...]]] = {
    # name: (sql, acceptable verdicts, dialects)
    "several statements": (
        "SELECT name, salary FROM employees; SELECT 1",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "second statement hidden in a comment": (
        "SELECT name, salary FROM employees; -- harmless\nDELETE FROM employees",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "ddl in a select challenge": ("DROP TABLE employees", NOT_OK, ("sqlite", "postgres")),
    "create table as": (
        "CREATE TABLE stolen AS SELECT * FROM employees",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "writable cte": (
        "WITH gone AS (DELETE FROM employees RETURNING name, salary) SELECT * FROM gone",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "update": ("UPDATE employees SET salary = 0", NOT_OK, ("sqlite", "postgres")),
    "endless recursive cte": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n, n FROM r",
        {Verdict.TIME_LIMIT, Verdict.OUTPUT_LIMIT},
        ("sqlite", "postgres"),
    ),
    "endless recursive cte with count": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*), 1 FROM r",
        {Verdict.TIME_LIMIT, Verdict.MEMORY_LIMIT},
        ("sqlite", "postgres"),
    ),
    "cartesian explosion": (
        "SELECT a.n, b.n FROM numbers a, numbers b, numbers c, numbers d, numbers e, numbers f, numbers g",
        {Verdict.OUTPUT_LIMIT, Verdict.TIME_LIMIT, Verdict.WRONG_ANSWER},
        ("sqlite", "postgres"),
    ),
    "cartesian explosion aggregated": (
        "SELECT count(*), 1 FROM numbers a, numbers b, numbers c, numbers d, numbers e, numbers f, numbers g, numbers h",
        {Verdict.TIME_LIMIT},
        ("sqlite", "postgres"),
    ),
    "pg_sleep": (
        "SELECT name, salary FROM employees, pg_sleep(10)",
        {Verdict.TIME_LIMIT, Verdict.RUNTIME_ERROR},
        ("sqlite", "postgres"),
    ),
    "a large literal": (
        "SELECT '" + "x" * 500_000 + "' AS name, 1 AS salary",
        NOT_OK | {Verdict.OUTPUT_LIMIT},  # a 500 KB value is over SQLite's value cap
        ("sqlite", "postgres"),
    ),
    "attach a database": ("ATTACH DATABASE '/tmp/evil.db' AS evil", NOT_OK, ("sqlite",)),
    "pragma": ("PRAGMA writable_schema = ON", NOT_OK, ("sqlite",)),
    "load_extension": ("SELECT load_extension('/tmp/evil.so'), 1", NOT_OK, ("sqlite",)),
    "read the schema table": ("SELECT name, sql FROM sqlite_master", NOT_OK, ("sqlite",)),
    "read server files": (
        "SELECT pg_read_file('/etc/passwd') AS name, 1 AS salary",
        NOT_OK,
        ("postgres",),
    ),
    "copy to program": ("COPY employees TO PROGRAM 'id > /tmp/pwned'", NOT_OK, ("postgres",)),
    "copy to a file": ("COPY employees TO '/tmp/pwned.csv'", NOT_OK, ("postgres",)),
    "dblink": (
        "SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(name text, salary int)",
        NOT_OK,
        ("postgres",),
    ),
    "create extension": ("CREATE EXTENSION dblink", NOT_OK, ("postgres",)),
    "become superuser": ("SET ROLE postgres", NOT_OK, ("postgres",)),
    "reset role": ("RESET ROLE", NOT_OK, ("postgres",)),
    "password hashes": (
        "SELECT usename AS name, passwd AS salary FROM pg_shadow",
        NOT_OK,
        ("postgres",),
    ),
    "viva's own tables": (
        "SELECT slug AS name, 1 AS salary FROM public.tracks",
        NOT_OK,
        ("postgres",),
    ),
    "commit the transaction": ("COMMIT", NOT_OK, ("postgres",)),
    "lock a table": ("LOCK TABLE employees IN ACCESS EXCLUSIVE MODE", NOT_OK, ("postgres",)),
    "invalid utf-8 surrogate": (
        "SELECT '\udcff' AS name, 1 AS salary",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "statement timeout switched off": (
        "SELECT set_config('statement_timeout', '0', true) AS name, pg_sleep(5) AS salary",
        {Verdict.TIME_LIMIT, Verdict.RUNTIME_ERROR},  # refused before it runs, or cut
        ("postgres",),
    ),
    "generate_series flood": (
        "SELECT g AS name, g AS salary FROM generate_series(1, 100000000) g",
        {Verdict.OUTPUT_LIMIT, Verdict.TIME_LIMIT, Verdict.MEMORY_LIMIT},
        ("postgres",),
    ),
    "temporary table": (
        "CREATE TEMP TABLE t AS SELECT * FROM employees",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "catalog snooping": (
        "SELECT table_name AS name, 1 AS salary FROM information_schema.tables",
        NOT_OK,
        ("postgres",),
    ),
    "a function with a loop": (
        "CREATE FUNCTION spin() RETURNS int LANGUAGE plpgsql AS $$ BEGIN LOOP END LOOP; END $$",
        NOT_OK,
        ("postgres",),
    ),
    "vacuum": ("VACUUM", NOT_OK, ("sqlite", "postgres")),
    "reindex": ("REINDEX employees", NOT_OK, ("sqlite",)),
    "detach": ("DETACH DATABASE main", NOT_OK, ("sqlite",)),
    "savepoint": ("SAVEPOINT s", NOT_OK, ("sqlite",)),
    "a NUL byte before a second statement": (
        "SELECT name, salary FROM employees\x00; DELETE FROM employees",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "an expression chain deeper than a parser's stack": (
        "SELECT 'x' AS name, 1" + " + 1" * 40_000 + " AS salary",
        NOT_OK,
        ("sqlite", "postgres"),
    ),
    "syntax error": (
        "SELEC name FROM employees",
        {Verdict.SYNTAX_ERROR, Verdict.RUNTIME_ERROR},
        ("sqlite", "postgres"),
    ),
    # SQLite runs in a sandboxed worker: one long C call is cut by the parent's wall clock,
    # values and results are capped, memory is SQLite's hard heap limit.
    "instr on a megabyte string": (
        "SELECT instr(printf('%.*c', 1000000, 'a'), printf('%.*c', 500000, 'a') || 'b') AS name,"
        " 1 AS salary",
        {Verdict.TIME_LIMIT},
        ("sqlite",),
    ),
    "like on a megabyte string": (
        "SELECT printf('%.*c', 1000000, 'a') LIKE '%' || printf('%.*c', 990, 'a') || 'b%' AS name,"
        " 1 AS salary",
        {Verdict.TIME_LIMIT},
        ("sqlite",),
    ),
    "a 180 MB value from a short query": (
        "SELECT hex(zeroblob(90000000)) AS name, 1 AS salary",
        {Verdict.OUTPUT_LIMIT},
        ("sqlite",),
    ),
    "a value doubled by a recursive cte": (
        "WITH RECURSIVE r(s) AS (SELECT 'ab' UNION ALL SELECT s || s FROM r) "
        "SELECT length(s) AS name, 1 AS salary FROM r",
        {Verdict.OUTPUT_LIMIT},
        ("sqlite",),
    ),
    "a distinct over huge rows": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 10000000) "
        "SELECT count(*) AS name, 1 AS salary FROM (SELECT DISTINCT n || zeroblob(500000) FROM r)",
        {Verdict.MEMORY_LIMIT, Verdict.TIME_LIMIT},
        ("sqlite",),
    ),
    "lift the heap limit": ("PRAGMA hard_heap_limit = 0", NOT_OK, ("sqlite",)),
}
PARAMS = [
    pytest.param(name, dialect, id=f"{dialect}-{name}")
    for name, (_, _, ds) in sorted(CASES.items())
    for dialect in ds
]


@pytest.mark.parametrize(("case", "dialect"), PARAMS)
async def test_hostile_sql(
    case: str,
    dialect: str,
    sql_engines: SqlEngines,
    hostile_base: SqlChallenge,
    sql_postgres_url: str,
) -> None:
    sql, verdicts, _ = CASES[case]
    grade = await grade_sql(sql_engines, hostile_base, sql, dialect, visible_only=False)
    assert grade.verdict in verdicts, (case, grade.verdict, grade.message)
    assert grade.message
    # The data is intact and the correct solution is still Accepted.
    ok = await grade_sql(
        sql_engines, hostile_base, "SELECT name, salary FROM employees", dialect, visible_only=False
    )
    assert ok.verdict == Verdict.ACCEPTED
    if dialect == "postgres":
        conn = await asyncpg.connect(sql_postgres_url)
        try:
            assert (
                await conn.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run_%'")
                == 0
            )
            assert not await conn.fetchval(
                "SELECT rolsuper FROM pg_roles WHERE rolname LIKE '%candidate'"
            )
        finally:
            await conn.close()


def test_the_hostile_suite_has_at_least_20_cases_on_each_engine() -> None:
    for dialect in ("sqlite", "postgres"):
        assert sum(dialect in ds for _, _, ds in CASES.values()) >= 20

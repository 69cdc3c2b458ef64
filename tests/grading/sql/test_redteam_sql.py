"""Red-team SQL regressions: attacks the engines stop today, on the real SQLite worker and the
real PostgreSQL engine; after each, another candidate's correct query is still Accepted."""

from __future__ import annotations

import pytest

from viva.grading.challenges import CHALLENGES_DIR
from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenge
from viva.grading.sql.grading import SqlEngines, grade_sql

NOT_OK = {Verdict.RUNTIME_ERROR, Verdict.SYNTAX_ERROR, Verdict.WRONG_ANSWER}
ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (sql, dialects); each must end in NOT_OK
    "pragma table-valued function": (
        "SELECT name, narg, 1 FROM pragma_function_list",
        ("sqlite",),
    ),
    "pragma_database_list": ("SELECT name, file, seq FROM pragma_database_list", ("sqlite",)),
    "schema table by its new name": ("SELECT name, sql, 1 FROM sqlite_schema", ("sqlite",)),
    "schema table quoted in capitals": ('SELECT name, 1, 1 FROM "SQLITE_MASTER"', ("sqlite",)),
    "dbstat virtual table": ("SELECT name, pgsize, 1 FROM dbstat", ("sqlite",)),
    "unicode-escaped function name": (
        "SELECT U&\"pg\\005fread\\005ffile\"('/etc/passwd'), 1, 1",
        ("postgres",),
    ),
    "schema-qualified banned function": (
        "SELECT pg_catalog.\"PG_LS_DIR\"('.'), 1, 1 "
        "UNION ALL SELECT pg_catalog.pg_ls_dir('.'), 1, 1",
        ("postgres",),
    ),
    "query_to_xml in a lateral": (
        "SELECT x::text, 1, 1 FROM employees, LATERAL query_to_xml('select 1', true, true, '') x",
        ("postgres",),
    ),
    "large object in a CTE": (
        "WITH o AS (SELECT lo_from_bytea(0, 'x') AS id) SELECT id::text, 1, 1 FROM o",
        ("postgres",),
    ),
    "row counts of hidden tables from the statistics views": (
        "SELECT relname, n_live_tup::int, 1 FROM pg_stat_all_tables",
        ("postgres",),
    ),
    "reltuples from pg_class, schema-qualified": (
        "SELECT relname, reltuples::int, 1 FROM pg_catalog.pg_class",
        ("postgres",),
    ),
    "other sessions' locks": ("SELECT pid::text, 1, 1 FROM pg_locks", ("postgres",)),
    "a query given as text to ts_stat": (
        "SELECT word, ndoc, 1 FROM ts_stat('SELECT to_tsvector(relname) FROM pg_stat_user_tables')",
        ("postgres",),
    ),
    "a sleep given as text to ts_stat": (
        "SELECT word, ndoc, 1 FROM ts_stat('SELECT to_tsvector(pg_sleep(1)::text)')",
        ("postgres",),
    ),
    "other sessions' locks by function": (
        "SELECT pid::text, 1, 1 FROM pg_lock_status()",
        ("postgres",),
    ),
    "grading roles": ("SELECT rolname, 1, 1 FROM pg_roles", ("postgres",)),
    "information schema": (
        "SELECT table_schema, 1, 1 FROM information_schema.tables",
        ("postgres",),
    ),
    "a sleep as long as a hidden value": (
        "SELECT name, salary, pg_sleep((SELECT count(*) FROM employees) / 100.0)::text "
        "FROM employees",
        ("postgres",),
    ),
    "advisory lock in a subquery": (
        "SELECT name, salary, (SELECT pg_advisory_lock(1)::text) FROM employees",
        ("postgres",),
    ),
}
SCRIPTS: dict[str, str] = {
    "temp trigger": "CREATE TEMP TRIGGER t AFTER INSERT ON accounts BEGIN SELECT 1; END;",
    "writable_schema": "PRAGMA writable_schema = 1;",
    "insert into the schema table": (
        "INSERT INTO sqlite_master VALUES ('table', 'x', 'x', 0, 'CREATE TABLE x(a)');"
    ),
    "attach": "ATTACH ':memory:' AS x;",
    "vacuum into a file": "VACUUM INTO '/tmp/x.db';",
    "analyze": "ANALYZE;",
}
PG_SCRIPTS: dict[str, str] = {
    "set transaction snapshot": "BEGIN; SET TRANSACTION SNAPSHOT '00000003-1'; COMMIT;",
    "set session characteristics": (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SELECT 1;"
    ),
    "set a quoted 'transaction' parameter": "SET \"transaction\" TO 'x';",
    "prepare transaction": "BEGIN; PREPARE TRANSACTION 'held';",
    "do block after a comment": "/* x */ DO $$ BEGIN PERFORM 1; END $$;",
}


@pytest.fixture(scope="module")
def top3() -> SqlChallenge:
    return load_sql_challenge(CHALLENGES_DIR / "sql-top-3-salaries")


@pytest.fixture(scope="module")
def transfer() -> SqlChallenge:
    return load_sql_challenge(CHALLENGES_DIR / "sql-atomic-transfer")


@pytest.fixture(scope="module")
def dedupe() -> SqlChallenge:
    return load_sql_challenge(CHALLENGES_DIR / "sql-delete-duplicates-keep-lowest-id")


async def _victim_accepted(engines: SqlEngines, challenge: SqlChallenge, dialect: str) -> None:
    solution = challenge.solution(dialect)
    grade = await grade_sql(engines, challenge, solution, dialect, visible_only=False)
    assert grade.verdict == Verdict.ACCEPTED, grade.message


@pytest.mark.parametrize(
    ("case", "dialect"), [(c, d) for c, (_, ds) in sorted(ROWS.items()) for d in ds]
)
async def test_redteam_query_is_refused(
    case: str, dialect: str, sql_engines: SqlEngines, top3: SqlChallenge
) -> None:
    sql, _ = ROWS[case]
    grade = await grade_sql(sql_engines, top3, sql, dialect, visible_only=False)
    assert grade.verdict in NOT_OK, (case, grade.verdict, grade.message)
    await _victim_accepted(sql_engines, top3, dialect)


@pytest.mark.parametrize("case", sorted(SCRIPTS))
async def test_redteam_sqlite_script_is_refused(
    case: str, sql_engines: SqlEngines, transfer: SqlChallenge
) -> None:
    grade = await grade_sql(sql_engines, transfer, SCRIPTS[case], "sqlite", visible_only=False)
    assert grade.verdict in NOT_OK, (case, grade.verdict, grade.message)
    assert "not authorized" in grade.message or "authorization denied" in grade.message
    await _victim_accepted(sql_engines, transfer, "sqlite")


@pytest.mark.parametrize("case", sorted(PG_SCRIPTS))
async def test_redteam_postgres_script_is_refused(
    case: str, sql_engines: SqlEngines, dedupe: SqlChallenge
) -> None:
    grade = await grade_sql(sql_engines, dedupe, PG_SCRIPTS[case], "postgres", visible_only=False)
    assert grade.verdict in NOT_OK, (case, grade.verdict, grade.message)
    # refused by the parser check, or (a quoted "transaction" passes it) by the server
    why = ("not allowed in this challenge", 'unrecognized configuration parameter "transaction"')
    assert any(w in grade.message for w in why), grade.message
    await _victim_accepted(sql_engines, dedupe, "postgres")


async def test_a_submit_tells_one_bit_for_all_hidden_datasets() -> None:
    """Found by the red team of 2026-12-04: a Submit showed pass or fail for each hidden
    dataset by name, and the count and score told how many passed. Now, as for Python, every
    hidden dataset shows the same bit, unnamed, and the count and score take them all or none."""
    challenge = load_sql_challenge(CHALLENGES_DIR / "sql-joins")
    # right on every dataset but the one whose employees table has six rows (hidden-2)
    sql = (
        "SELECT d.name AS department, COUNT(e.id) AS employees FROM departments d "
        "LEFT JOIN employees e ON e.department_id = d.id GROUP BY d.id, d.name "
        "HAVING (SELECT COUNT(*) FROM employees) <> 6"
    )
    grade = await grade_sql(SqlEngines(), challenge, sql, "sqlite", visible_only=False)
    assert grade.verdict == Verdict.WRONG_ANSWER
    hidden = [t for t in grade.tests if t.hidden]
    assert len(hidden) == 3 and [t.passed for t in hidden].count(False) == 1  # the judge knows
    told = [t.public() for t in hidden]
    assert all(
        (h["name"], h["passed"], h["status"]) == ("hidden test", False, "failed") for h in told
    )
    assert not any(d.name in grade.message for d in challenge.datasets if d.hidden)
    visible = [t for t in grade.tests if not t.hidden]
    assert visible and all(t.passed for t in visible)
    assert grade.passed == len(visible)
    assert grade.score == round(len(visible) / len(grade.tests), 4)

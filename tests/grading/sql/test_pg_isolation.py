"""PostgreSQL grading isolation, on one long-lived engine as a server has: a candidate cannot
read other datasets, change a grading role, leave state for the next run, see other sessions'
queries, outrun the time limit or return an oversized result; and no engine shows the error
text of a hidden dataset. After every attack another candidate's correct solution is still
Accepted and shows nothing of the attacker's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from viva.grading.judge.outcome import Grade, Verdict
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenge, load_sql_challenges
from viva.grading.sql.grading import HIDDEN_ERROR, SqlEngines, grade_sql
from viva.grading.sql.postgres_engine import PostgresEngine
from viva.grading.sql.postgres_roles import role_prefix

FIXTURES = Path(__file__).parent / "fixtures"
CORRECT = "SELECT name, salary FROM employees"
HIDDEN_NAMES = ("Dara", "Eli")  # only in hostile-base's hidden dataset
SCRIPT = load_sql_challenges()["sql-delete-duplicates-keep-lowest-id"]


@pytest.fixture
async def admin(sql_postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(sql_postgres_url)
    yield conn
    await conn.close()


def _prefix(url: str) -> str:
    return role_prefix(url.rsplit("/", 1)[-1])


async def _roles(admin: asyncpg.Connection, url: str) -> dict[str, Any]:
    """Every grading role of this database: its settings, password and attributes."""
    rows = await admin.fetch(
        "SELECT a.rolname, a.rolpassword, a.rolsuper, a.rolcanlogin, a.rolvaliduntil, "
        "  (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c "
        "   WHERE s.setrole = a.oid) AS settings "
        "FROM pg_authid a WHERE a.rolname LIKE $1",
        _prefix(url).replace("_", r"\_") + r"\_%",
    )
    return {r["rolname"]: tuple(r)[1:] for r in rows}


async def _another_candidate_is_fine(
    engines: SqlEngines, challenge: SqlChallenge, marker: str = "", times: int = 1
) -> None:
    for _ in range(times):
        grade = await grade_sql(
            engines, challenge, challenge.solution("postgres"), "postgres", visible_only=False
        )
        assert grade.verdict == Verdict.ACCEPTED, grade.message
        assert not marker or marker not in repr(grade)


def _slot_roles(engine: Any) -> list[str]:
    """The roles an engine runs plan and atomic checks under (before roles per run: its one
    candidate role)."""
    return list(getattr(engine, "slot_roles", None) or [engine.role])


async def _leftovers(admin: asyncpg.Connection) -> tuple[int, int]:
    schemas = await admin.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'run_%'")
    objects = await admin.fetchval("SELECT count(*) FROM pg_largeobject_metadata")
    return schemas, objects


def _text(grade: Grade) -> str:
    return repr(grade)


# Class 2: a candidate reads only the dataset of its run. -----------------------------------


async def test_a_run_cannot_read_another_datasets_schema(
    sql_engines: SqlEngines, hostile_base: SqlChallenge, admin: asyncpg.Connection
) -> None:
    await _another_candidate_is_fine(sql_engines, hostile_base)  # every dataset loaded
    visible = hostile_base.visible[0]
    own = await sql_engines.run(
        hostile_base, "postgres", visible, "SELECT current_schema() AS name", trusted=False
    )
    schemas = [
        r[0]
        for r in await admin.fetch(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'employees' AND table_schema <> $1",
            own.rows[0][0],
        )
    ]
    assert schemas
    for schema in schemas:
        got = await sql_engines.run(
            hostile_base,
            "postgres",
            visible,
            f'SELECT * FROM "{schema}".employees',  # noqa: S608
            trusted=False,
        )
        assert got.error and not got.rows, (schema, got.rows)
    dump = await sql_engines.run(
        hostile_base,
        "postgres",
        visible,
        "SELECT query_to_xml(format('SELECT * FROM %I.employees', nspname), true, false, '')"
        "::text AS name, 1 AS salary FROM pg_namespace WHERE nspname LIKE 'ds_%'",
        trusted=False,
    )
    assert not any(name in repr(dump.rows) for name in HIDDEN_NAMES)
    await _another_candidate_is_fine(sql_engines, hostile_base, "query_to_xml")


# The second lock: what the statement check refuses, a grading role cannot run either (the
# red team of 2026-12-04 reached pg_stat_user_tables, pg_sleep and pg_lock_status through
# ts_stat, whose query is text the check never parses).
SECOND_LOCK = [
    "SELECT * FROM ts_stat('SELECT to_tsvector(relname) FROM pg_class')",
    "SELECT * FROM ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
    "SELECT relname, n_live_tup FROM pg_stat_user_tables",
    "SELECT pg_stat_get_live_tuples('pg_class'::regclass)",
    "SELECT * FROM pg_locks",
    "SELECT pg_sleep(0)",
]


@pytest.mark.parametrize("query", SECOND_LOCK)
async def test_a_grading_role_may_not_run_what_the_statement_check_refuses(
    sql_engines: SqlEngines,
    hostile_base: SqlChallenge,
    admin: asyncpg.Connection,
    sql_postgres_url: str,
    query: str,
) -> None:
    await _another_candidate_is_fine(sql_engines, hostile_base)  # roles made, database locked
    roles = sorted(await _roles(admin, sql_postgres_url))
    assert roles
    for role in (roles[0], roles[-1]):
        async with admin.transaction():
            await admin.execute(f'SET LOCAL ROLE "{role}"')
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await admin.fetch(query)


# Class 3: a committed script cannot change a grading role. ---------------------------------

ROLE_ATTACKS = [
    "ALTER ROLE CURRENT_USER SET default_transaction_read_only = on",
    "ALTER ROLE CURRENT_USER SET enable_indexscan = off",
    "ALTER ROLE CURRENT_USER SET statement_timeout = 0",
    "ALTER ROLE CURRENT_USER PASSWORD 'attacker'",
    "ALTER ROLE CURRENT_USER RESET ALL",
    "SELECT set_config('statement_timeout', '0', false)",
    "SET SESSION statement_timeout = 0",
    "SET ROLE NONE",
]


def test_databases_that_differ_past_the_cut_have_roles_of_their_own() -> None:
    # Two xdist workers of a run with a long VIVA_TEST_RUN: their grading databases differ
    # only in the worker's digit, past where the role names were once cut.
    dsn = "postgresql://127.0.0.1/viva_test_{}_sql"
    one, two = (PostgresEngine(dsn.format(f"integrity2abcgw{i}")) for i in (0, 1))
    assert one.reference_role != two.reference_role
    # What the tests and the teardown find a database's roles by is what the engine uses.
    assert one.reference_role.startswith(role_prefix("viva_test_integrity2abcgw0_sql") + "_")


@pytest.mark.parametrize("attack", ROLE_ATTACKS)
async def test_a_script_cannot_change_a_grading_role(
    attack: str, sql_engines: SqlEngines, admin: asyncpg.Connection, sql_postgres_url: str
) -> None:
    await _another_candidate_is_fine(sql_engines, SCRIPT)
    before = await _roles(admin, sql_postgres_url)
    grade = await grade_sql(
        sql_engines,
        SCRIPT,
        f"{attack};\n{SCRIPT.solution('postgres')}",
        "postgres",
        visible_only=False,
    )
    assert grade.verdict != Verdict.ACCEPTED
    assert await _roles(admin, sql_postgres_url) == before
    await _another_candidate_is_fine(sql_engines, SCRIPT, "attacker", times=6)
    assert await _leftovers(admin) == (0, 0)


async def test_a_restarted_engine_reasserts_the_role_settings(
    sql_engines: SqlEngines,
    hostile_base: SqlChallenge,
    admin: asyncpg.Connection,
    sql_postgres_url: str,
) -> None:
    """As a role could once do to itself, and then keep across restarts."""
    await _another_candidate_is_fine(sql_engines, SCRIPT)
    used = set()
    for dataset in hostile_base.datasets:
        got = await sql_engines.run(
            hostile_base, "postgres", dataset, "SELECT current_user AS name", trusted=False
        )
        used.add(got.rows[0][0])
    roles = [r for r in await _roles(admin, sql_postgres_url) if "_ds_" not in r or r in used]
    for role in roles:
        await admin.execute(f'ALTER ROLE "{role}" SET enable_indexscan = off')
    assert sql_engines.postgres is not None
    await sql_engines.postgres.close()
    await sql_engines.postgres.start()
    await _another_candidate_is_fine(sql_engines, hostile_base)
    await _another_candidate_is_fine(sql_engines, SCRIPT)
    after = await _roles(admin, sql_postgres_url)
    reference = getattr(sql_engines.postgres, "reference_role", "")
    in_use = {*used, *_slot_roles(sql_engines.postgres)} | ({reference} - {""})
    assert not [r for r in in_use if "enable_indexscan=off" in (after[r][-1] or [])]


# Class 4: nothing a run leaves in its session reaches the next run. -------------------------

STATE_ATTACKS = {
    "driver statement names taken": (
        "DO $$ BEGIN FOR i IN 1..3000 LOOP EXECUTE format("
        "'PREPARE %I AS SELECT 1', '__asyncpg_stmt_' || to_hex(i) || '__'); END LOOP; END $$"
    ),
    "a prepared statement": "PREPARE attacker_stmt AS SELECT 1",
    "a large object": "SELECT lo_from_bytea(0, 'attacker'::bytea)",
    "a large object by lo_create": "SELECT lo_create(0)",
    "an advisory lock": "SELECT pg_advisory_lock(42)",
    "listen": "LISTEN attacker",
    "a session setting": "SET work_mem = '1GB'",
    "a cursor held open": "DECLARE attacker CURSOR WITH HOLD FOR SELECT 1",
    # Found before the run's own schema: the next run on this connection would read it.
    "a temporary table": "CREATE TEMP TABLE customers (id int, email text)",
    "a temporary function": (
        "CREATE FUNCTION pg_temp.attacker() RETURNS int LANGUAGE sql AS 'SELECT 1'"
    ),
}


@pytest.mark.parametrize("case", sorted(STATE_ATTACKS))
async def test_nothing_of_a_script_survives_into_the_next_run(
    case: str, sql_engines: SqlEngines, admin: asyncpg.Connection, sql_postgres_url: str
) -> None:
    await _another_candidate_is_fine(sql_engines, SCRIPT)
    before = await _roles(admin, sql_postgres_url)
    attack = STATE_ATTACKS[case]
    grade = await grade_sql(
        sql_engines,
        SCRIPT,
        f"{attack};\n{SCRIPT.solution('postgres')}",
        "postgres",
        visible_only=False,
    )
    assert grade.verdict in {Verdict.RUNTIME_ERROR, Verdict.WRONG_ANSWER}, grade.message
    # More runs than connections, so every idle connection of the role is used again.
    await _another_candidate_is_fine(sql_engines, SCRIPT, "attacker", times=10)
    assert await _leftovers(admin) == (0, 0)
    assert await _roles(admin, sql_postgres_url) == before
    locks = await admin.fetchval(  # (the engine's own claims on its slot roles aside)
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
        "AND NOT (classid = 1986 AND objsubid = 2)"
    )
    assert locks == 0


@pytest.mark.parametrize(
    "attack",
    [
        "SELECT name, salary FROM employees, LATERAL (SELECT pg_advisory_lock(1)) l",
        "SELECT name, salary FROM employees, LATERAL (SELECT lo_from_bytea(0, 'x')) l",
        "SELECT name, salary FROM employees WHERE set_config('work_mem', '1GB', false) <> ''",
    ],
)
async def test_a_query_cannot_leave_session_state(
    attack: str, sql_engines: SqlEngines, hostile_base: SqlChallenge, admin: asyncpg.Connection
) -> None:
    grade = await grade_sql(sql_engines, hostile_base, attack, "postgres", visible_only=False)
    assert grade.verdict == Verdict.RUNTIME_ERROR, grade.message
    assert "not allowed" in grade.message
    for _ in range(6):
        await _another_candidate_is_fine(sql_engines, hostile_base)
    assert await _leftovers(admin) == (0, 0)


# Class 5: hidden data never reaches a message, on either engine. ----------------------------

HIDDEN_ERRORS = {
    "postgres": (
        "SELECT name, CASE WHEN name IN ('Asha', 'Ben', 'Chen') THEN salary "
        "ELSE CAST((SELECT string_agg(name, ',') FROM employees) AS int) END AS salary "
        "FROM employees"
    ),
    "sqlite": (
        "SELECT name, CASE WHEN name IN ('Asha', 'Ben', 'Chen') THEN salary "
        "ELSE json_extract('{}', (SELECT group_concat(name) FROM employees)) END AS salary "
        "FROM employees"
    ),
}


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
async def test_errors_on_hidden_data_do_not_show_their_text(
    dialect: str, sql_engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    grade = await grade_sql(
        sql_engines, hostile_base, HIDDEN_ERRORS[dialect], dialect, visible_only=False
    )
    assert grade.verdict == Verdict.RUNTIME_ERROR, grade.message
    assert grade.message == HIDDEN_ERROR
    assert not any(name in _text(grade) for name in HIDDEN_NAMES), grade
    # A visible dataset's error keeps its text: it only shows the example data.
    visible = await grade_sql(
        sql_engines,
        hostile_base,
        HIDDEN_ERRORS[dialect].replace("'Asha', ", ""),
        dialect,
        visible_only=True,
    )
    assert visible.verdict == Verdict.RUNTIME_ERROR and "Asha" in visible.message
    ok = await grade_sql(sql_engines, hostile_base, CORRECT, dialect, visible_only=False)
    assert ok.verdict == Verdict.ACCEPTED


# Class 6: no run sees another session's query. ----------------------------------------------


async def test_each_dataset_and_the_references_have_a_role_of_their_own(
    sql_engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    who = "SELECT current_user AS name"
    roles = {
        (await sql_engines.run(hostile_base, "postgres", d, who, trusted=False)).rows[0][0]
        for d in hostile_base.datasets
    }
    reference = await sql_engines.run(
        hostile_base, "postgres", hostile_base.datasets[0], who, trusted=True
    )
    assert len(roles) == len(hostile_base.datasets)
    assert reference.rows[0][0] not in roles


async def test_a_run_does_not_see_concurrent_queries(
    sql_engines: SqlEngines, hostile_base: SqlChallenge, admin: asyncpg.Connection
) -> None:
    marker = "victim-marker-7f3a"
    victim_sql = (  # busy until the time limit cuts it (pg_sleep is refused: a timing channel)
        "SELECT name, salary FROM employees, (SELECT count(*) FROM generate_series(1, 50000000)) "
        "AS s WHERE 'MARK' IS NOT NULL"
    )
    victim_sql = victim_sql.replace("MARK", marker)
    visible = hostile_base.visible[0]
    spies = [
        "SELECT string_agg(query, ' | ') AS name, 1 AS salary FROM pg_stat_activity",
        "SELECT string_agg(a.query, ' | ') AS name, 1 AS salary FROM pg_stat_get_activity(NULL) a",
        "SELECT string_agg(pg_stat_get_backend_activity(i), ' | ') AS name, 1 AS salary "
        "FROM pg_stat_get_backend_idset() i",
    ]
    overlapped = 0
    for _ in range(5):
        victim = asyncio.create_task(
            sql_engines.run(hostile_base, "postgres", visible, victim_sql, trusted=False)
        )
        await asyncio.sleep(0.1)
        while not victim.done():
            seen = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1", f"%{marker}%"
            )
            for spy in spies:
                got = await sql_engines.run(hostile_base, "postgres", visible, spy, trusted=False)
                assert marker not in repr(got.rows) and marker not in (got.error or "")
            overlapped += bool(seen) and not victim.done()
        await victim
    assert overlapped, "the spy never ran while the victim's query was running"
    await _another_candidate_is_fine(sql_engines, hostile_base)


# Class 7: the time limit is a wall clock, and results have a size cap. ----------------------


@pytest.fixture(scope="module")
def quick() -> SqlChallenge:
    """hostile-base with a 200 ms limit."""
    base = load_sql_challenge(FIXTURES / "hostile-base")
    meta = base.meta.model_copy(
        update={"limits": base.meta.limits.model_copy(update={"timeout_ms": 200})}
    )
    return SqlChallenge(**{**base.__dict__, "meta": meta})


async def test_a_query_the_server_cannot_interrupt_is_cut_at_the_limit(
    sql_engines: SqlEngines, quick: SqlChallenge
) -> None:
    # libxml2 parses without checking for interrupts: statement_timeout fires only after it.
    slow = (
        "SELECT length(x::text)::text AS name, 1 AS salary FROM (SELECT ('<r>' || "
        "repeat('<a>x</a>', 3000000) || '</r>')::xml AS x) s"
    )
    await _another_candidate_is_fine(sql_engines, quick)  # the data and reference are ready
    started = time.perf_counter()
    grade = await grade_sql(sql_engines, quick, slow, "postgres", visible_only=True)
    elapsed = time.perf_counter() - started
    assert grade.verdict == Verdict.TIME_LIMIT, grade.message
    assert elapsed < 1.1, elapsed  # 200 ms limit, 250 ms grace: far below the 2 s it takes
    await _another_candidate_is_fine(sql_engines, quick)


async def test_the_backend_of_a_cut_query_is_gone_soon_after(
    sql_engines: SqlEngines, quick: SqlChallenge
) -> None:
    """Terminated while libxml2 parses, the backend burns CPU until its next interrupt check;
    it must end then, not run on (checked on the server, by pid, from another connection)."""
    marker = f"xml_{time.monotonic_ns()}"
    slow = (  # the marker is the test's own: no injection
        f"SELECT length(x::text)::text AS name, 1 AS salary FROM (SELECT ('<r {marker}=\"1\">'"  # noqa: S608
        " || repeat('<a>x</a>', 3000000) || '</r>')::xml AS x) s"
    )
    await _another_candidate_is_fine(sql_engines, quick)
    grade = await grade_sql(sql_engines, quick, slow, "postgres", visible_only=True)
    assert grade.verdict == Verdict.TIME_LIMIT, grade.message
    assert sql_engines.postgres is not None
    conn = await asyncpg.connect(sql_engines.postgres.admin_dsn)
    try:
        find = "SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()"
        started, running = time.monotonic(), [0]
        while running and time.monotonic() - started < 15:
            running = [r["pid"] for r in await conn.fetch(find, f"%{marker}%")]
            await asyncio.sleep(0.1)
        # the parse alone takes about 2 s on this machine; 15 s allows for a loaded one
        assert running == [], f"backend {running} still runs {time.monotonic() - started:.1f} s on"
    finally:
        await conn.close()
    await _another_candidate_is_fine(sql_engines, quick)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT repeat('x', 20000000) AS name, 1 AS salary",
        "SELECT repeat('x', 1000) AS name, g AS salary FROM generate_series(1, 900) g",
        # Columns named like a subquery alias the guard might use: still the whole row counts.
        "SELECT repeat('x', 2000000) AS name, 1 AS q, 1 AS _viva_row",
        "SELECT string_agg(repeat(md5(g::text), 100), '') AS name, 1 AS salary "
        "FROM generate_series(1, 2000) g",
    ],
)
async def test_an_oversized_result_is_output_limit_exceeded(
    sql: str, sql_engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    grade = await grade_sql(sql_engines, hostile_base, sql, "postgres", visible_only=False)
    # Measuring 20 MB on the server can itself run past the limit on a slow machine.
    assert grade.verdict in {Verdict.OUTPUT_LIMIT, Verdict.TIME_LIMIT}, grade.message
    assert len(_text(grade)) < 100_000
    await _another_candidate_is_fine(sql_engines, hostile_base, "xxxxxxxxxx")


# What the parser lets through: what a real solution needs. -----------------------------------


async def test_a_script_may_choose_its_isolation_and_lock_its_rows(
    sql_engines: SqlEngines,
) -> None:
    script = (
        "BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\n"
        "SELECT id FROM customers FOR UPDATE;\nLOCK TABLE customers IN SHARE ROW EXCLUSIVE MODE;\n"
        f"{SCRIPT.solution('postgres').strip().rstrip(';')};\nCOMMIT;"
    )
    grade = await grade_sql(sql_engines, SCRIPT, script, "postgres", visible_only=False)
    assert grade.verdict == Verdict.ACCEPTED, grade.message


async def test_two_processes_never_share_a_slot_role(
    sql_engines: SqlEngines, sql_postgres_url: str
) -> None:
    from viva.grading.sql.postgres_engine import PostgresEngine

    other = PostgresEngine(sql_postgres_url)  # as a second `viva serve` worker would
    await other.start()
    try:
        assert sql_engines.postgres is not None
        assert _slot_roles(other)
        assert not set(_slot_roles(other)) & set(_slot_roles(sql_engines.postgres))
        await _another_candidate_is_fine(SqlEngines(other), SCRIPT)
    finally:
        await other.close()

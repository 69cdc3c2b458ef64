"""PostgreSQL: the result-size guard (a function on the grading server that refuses an
oversized result before it is sent, and the query wrapping that calls it), and how a server
error reads in a run's result."""

from __future__ import annotations

import asyncpg

from viva.grading.sql.result import SqlResult

RESULT_BYTES = 512 * 1024  # a result larger than this on the server is Output Limit Exceeded
GUARD_SCHEMA = "viva_guard"
OVER_CAP = "VV001"  # the SQLSTATE the guard raises


async def create_guard(conn: asyncpg.Connection) -> None:
    """viva_guard.fits(total, cap): raises once a result's running size passes the cap, so
    an oversized result is refused by the server before it is sent."""
    async with conn.transaction():
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {GUARD_SCHEMA}")
        await conn.execute(f"REVOKE ALL ON SCHEMA {GUARD_SCHEMA} FROM PUBLIC")
        await conn.execute(
            f"CREATE OR REPLACE FUNCTION {GUARD_SCHEMA}.fits(total numeric, cap bigint) "
            "RETURNS boolean LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $$ BEGIN "
            "IF total > cap THEN RAISE EXCEPTION USING ERRCODE = '" + OVER_CAP + "', "
            "MESSAGE = 'the result is too large'; END IF; RETURN true; END $$"
        )
        await conn.execute(f"REVOKE ALL ON FUNCTION {GUARD_SCHEMA}.fits FROM PUBLIC")


def guarded(query: str, cap: int, *, stored: bool) -> str:
    """`query` as a subquery, its rows in its own order, with the running size of the rows
    checked by the server (viva_guard.fits raises past RESULT_BYTES) in an extra last column.
    A row's size is its in-memory size, except for rows read from tables the candidate wrote
    (`stored`): those may hold compressed values, so their text is measured (slower)."""
    # `_viva_row.*` is the whole row even when the query has a column named like the alias.
    row = "octet_length((_viva_row.*)::text)" if stored else "pg_column_size(_viva_row.*)"
    size = f"sum({row}) OVER (ROWS UNBOUNDED PRECEDING)"
    guard = f"{GUARD_SCHEMA}.fits({size}, {RESULT_BYTES})"
    return f"SELECT _viva_row.*, {guard} FROM (\n{query}\n) AS _viva_row LIMIT {cap + 1}"  # noqa: S608


def record_error(result: SqlResult, exc: asyncpg.PostgresError) -> None:
    text = str(exc)
    if getattr(exc, "sqlstate", None) == OVER_CAP:
        result.error = f"the result is larger than {RESULT_BYTES // 1024} KB"
        result.error_kind = "too_many"
    elif isinstance(exc, asyncpg.QueryCanceledError):
        result.error, result.error_kind = "the query ran past the time limit", "timeout"
    elif isinstance(exc, asyncpg.PostgresSyntaxError):
        result.error, result.error_kind = text, "syntax"
    elif isinstance(exc, (asyncpg.InsufficientResourcesError, asyncpg.ProgramLimitExceededError)):
        result.error, result.error_kind = text, "memory"
    else:
        result.error, result.error_kind = text, "runtime"

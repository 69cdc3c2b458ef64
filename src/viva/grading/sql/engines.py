"""The engines SQL submissions run on.

SQLite: a fresh in-memory database per run, an authorizer that allows only what the check
needs on the challenge's own tables (no ATTACH, PRAGMA, load_extension, schema tables), and a
progress handler that enforces the time limit.

PostgreSQL: a database used only for grading, in which candidate SQL runs on connections
LOGGED IN as a dedicated low-privilege role (SET ROLE could be undone with RESET ROLE), with
statement_timeout, lock_timeout and idle_in_transaction_session_timeout set on the role, in a
transaction that is always rolled back. Viva's own database is another database altogether.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import asyncpg

from viva.grading.sql.challenges import Dataset, SqlChallenge

Mode = Literal["query", "ddl", "script"]


@dataclass
class SqlResult:
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # syntax | runtime | timeout | too_many
    plan_uses_index: bool | None = None
    plan: str = ""
    ms: float = 0.0


class SqlRejected(Exception):
    """A submission that breaks the rules before it runs (e.g. several statements)."""


# --- SQLite -------------------------------------------------------------------------------

_DENY, _OK = sqlite3.SQLITE_DENY, sqlite3.SQLITE_OK
_READ_ACTIONS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_WRITE_ACTIONS = {
    sqlite3.SQLITE_INSERT,
    sqlite3.SQLITE_UPDATE,
    sqlite3.SQLITE_DELETE,
    sqlite3.SQLITE_TRANSACTION,
    sqlite3.SQLITE_SAVEPOINT,
}
_BANNED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}


def _authorizer(tables: set[str], mode: Mode) -> Any:
    allowed = set(_READ_ACTIONS)
    if mode == "ddl":
        # CREATE INDEX records itself in sqlite_master and builds the index (REINDEX).
        allowed |= {sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_INSERT}
    if mode == "script":
        allowed |= _WRITE_ACTIONS

    def check(
        action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None
    ) -> int:
        if action not in allowed:
            return _DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _BANNED_FUNCTIONS:
            return _DENY
        if action == sqlite3.SQLITE_READ:
            # CTE names are read like tables; unknown tables fail before this anyway. The
            # schema tables (sqlite_master, sqlite_temp_master...) stay out of reach.
            return _DENY if (arg1 or "").lower().startswith("sqlite_") else _OK
        if mode == "ddl" and action == sqlite3.SQLITE_INSERT:
            return _OK if arg1 == "sqlite_master" else _DENY
        writes = (sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE)
        table = arg2 if action == sqlite3.SQLITE_CREATE_INDEX else arg1
        if action in (*writes, sqlite3.SQLITE_CREATE_INDEX) and (table or "").lower() not in tables:
            return _DENY
        return _OK

    return check


def _sqlite_error_kind(exc: sqlite3.Error, timed_out: bool) -> str:
    if timed_out:
        return "timeout"
    text = str(exc).lower()
    if "syntax error" in text or "incomplete input" in text or "unrecognized token" in text:
        return "syntax"
    return "runtime"


def run_sqlite(
    challenge: SqlChallenge, dataset: Dataset, sql: str, *, mode: Mode, trusted: bool = False
) -> SqlResult:
    """Blocking: call from a worker thread."""
    started = time.perf_counter()
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(challenge.schema + "\n" + dataset.sql)
        tables = {
            r[0].lower()
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        deadline = started + challenge.meta.limits.timeout_ms / 1000
        timed_out = False

        def progress() -> int:
            nonlocal timed_out
            if time.perf_counter() > deadline:
                timed_out = True
                return 1
            return 0

        conn.set_progress_handler(progress, 2000)
        if not trusted:
            conn.set_authorizer(_authorizer(tables, mode))
        result = SqlResult()
        cap = challenge.meta.compare.max_rows
        try:
            if mode == "query":
                cursor = conn.execute(sql)
                rows = cursor.fetchmany(cap + 1)
                result.columns = [d[0] for d in cursor.description or []]
                if len(rows) > cap:
                    result.error, result.error_kind = f"more than {cap} rows", "too_many"
                result.rows = rows[:cap]
            else:
                conn.executescript(sql)
        except sqlite3.ProgrammingError as exc:
            result.error, result.error_kind = str(exc), "runtime"
            if "one statement at a time" in str(exc):
                result.error = "exactly one SQL statement is expected here"
        except sqlite3.Error as exc:
            kind = _sqlite_error_kind(exc, timed_out)
            result.error = "the query ran past the time limit" if kind == "timeout" else str(exc)
            if "not authorized" in str(exc):
                result.error = f"not allowed in this challenge: {exc}"
            result.error_kind = kind
        finally:
            conn.set_authorizer(None)
            conn.set_progress_handler(None, 0)
            if conn.in_transaction:
                conn.rollback()  # a script that failed half-way: its open transaction is void
        if mode == "ddl" and result.error is None and challenge.meta.plan is not None:
            plan = conn.execute("EXPLAIN QUERY PLAN " + challenge.meta.plan.query).fetchall()
            details = [str(r[-1]) for r in plan]
            table = challenge.meta.plan.table.lower()
            result.plan = "\n".join(details)
            result.plan_uses_index = any(
                d.lower().startswith(f"search {table} using") and "index" in d.lower()
                for d in details
            )
            cursor = conn.execute(challenge.meta.plan.query)
            result.columns = [d[0] for d in cursor.description or []]
            result.rows = cursor.fetchall()
        elif mode == "script" and challenge.meta.state_query and result.error_kind != "timeout":
            cursor = conn.execute(challenge.meta.state_query)
            result.columns = [d[0] for d in cursor.description or []]
            result.rows = cursor.fetchall()
        result.ms = (time.perf_counter() - started) * 1000
        return result
    finally:
        conn.close()


# --- PostgreSQL -----------------------------------------------------------------------------


class PostgresEngine:
    """One per process: an admin pool to load datasets, a candidate pool to run submissions."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        database = self.admin_dsn.rsplit("/", 1)[-1].split("?")[0]
        self.role = re.sub(r"[^a-z0-9_]", "_", f"{database}_candidate".lower())[:60]
        self._admin: asyncpg.Pool | None = None
        self._candidate: asyncpg.Pool | None = None
        self._loaded: set[str] = set()
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        password = secrets.token_urlsafe(24)
        self._admin = await asyncpg.create_pool(self.admin_dsn, min_size=1, max_size=4)
        async with self._admin.acquire() as conn:
            database = await conn.fetchval("SELECT current_database()")
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", self.role)
            verb = "ALTER" if exists else "CREATE"
            await conn.execute(
                f'{verb} ROLE "{self.role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT '
                f"NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 16 PASSWORD '{password}'"
            )
            for setting, value in (
                ("statement_timeout", "2s"),
                ("lock_timeout", "500ms"),
                ("idle_in_transaction_session_timeout", "5s"),
                ("temp_file_limit", "16MB"),
                ("work_mem", "4MB"),
            ):
                await conn.execute(f"ALTER ROLE \"{self.role}\" SET {setting} = '{value}'")
            await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
            await conn.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{self.role}"')
            await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        base = self.admin_dsn.split("://", 1)[1].split("@", 1)[-1]
        self._candidate = await asyncpg.create_pool(
            f"postgresql://{self.role}:{password}@{base}", min_size=1, max_size=4
        )

    async def close(self) -> None:
        for pool in (self._candidate, self._admin):
            if pool is not None:
                await pool.close()

    async def _dataset_schema(self, challenge: SqlChallenge, dataset: Dataset) -> str:
        """A read-only schema holding this dataset, loaded once and shared by every run."""
        digest = hashlib.sha256((challenge.schema + dataset.sql).encode()).hexdigest()[:16]
        schema = f"ds_{digest}"
        async with self._lock:
            if schema not in self._loaded:
                assert self._admin is not None
                async with self._admin.acquire() as conn, conn.transaction():
                    found = await conn.fetchval(
                        "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema
                    )
                    if not found:
                        await conn.execute(f'CREATE SCHEMA "{schema}"')
                        await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                        await conn.execute(challenge.schema + "\n" + dataset.sql)
                    await conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{self.role}"')
                    await conn.execute(
                        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{self.role}"'
                    )
                self._loaded.add(schema)
        return schema

    async def _private_schema(self, challenge: SqlChallenge, dataset: Dataset) -> str:
        """A schema of this run's own, owned by the candidate role (it may index its tables)."""
        schema = f"run_{uuid.uuid4().hex[:16]}"
        assert self._admin is not None
        async with self._admin.acquire() as conn, conn.transaction():
            await conn.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{self.role}"')
            await conn.execute(f'SET LOCAL ROLE "{self.role}"')
            await conn.execute(f'SET LOCAL search_path TO "{schema}"')
            await conn.execute(challenge.schema + "\n" + dataset.sql)
        return schema

    async def _drop(self, schema: str) -> None:
        assert self._admin is not None
        async with self._admin.acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    async def run(
        self,
        challenge: SqlChallenge,
        dataset: Dataset,
        sql: str,
        *,
        mode: Mode,
        trusted: bool = False,
    ) -> SqlResult:
        assert self._candidate is not None
        started = time.perf_counter()
        private = mode in ("ddl", "script")
        schema = await (self._private_schema if private else self._dataset_schema)(
            challenge, dataset
        )
        result = SqlResult()
        cap = challenge.meta.compare.max_rows
        timeout = challenge.meta.limits.timeout_ms / 1000
        try:
            async with self._candidate.acquire() as conn:
                try:
                    await asyncio.wait_for(
                        self._execute(conn, schema, sql, mode, cap, result, challenge), timeout + 1
                    )
                except (TimeoutError, asyncpg.QueryCanceledError):
                    result.error, result.error_kind = "the query ran past the time limit", "timeout"
                    await conn.close()  # do not hand a connection in an unknown state back
                except asyncpg.PostgresSyntaxError as exc:
                    result.error, result.error_kind = str(exc), "syntax"
                except asyncpg.InterfaceError as exc:
                    result.error, result.error_kind = str(exc), "runtime"
                except (
                    asyncpg.InsufficientResourcesError,
                    asyncpg.ProgramLimitExceededError,
                ) as exc:
                    result.error, result.error_kind = str(exc), "memory"
                except asyncpg.PostgresError as exc:
                    text = str(exc)
                    if "cannot insert multiple commands" in text:
                        text = "exactly one SQL statement is expected here"
                    result.error, result.error_kind = text, "runtime"
        finally:
            if private:
                await self._drop(schema)
        result.ms = (time.perf_counter() - started) * 1000
        return result

    async def _execute(
        self,
        conn: asyncpg.Connection,
        schema: str,
        sql: str,
        mode: Mode,
        cap: int,
        result: SqlResult,
        challenge: SqlChallenge,
    ) -> None:
        if mode == "script":
            # As a client would send it: no transaction of ours around it. (PostgreSQL runs a
            # multi-statement string as one implicit transaction unless it says BEGIN/COMMIT.)
            await conn.execute(f'SET search_path TO "{schema}"')
            try:
                await conn.execute(sql)
            except asyncpg.PostgresError as exc:
                result.error, result.error_kind = str(exc), "runtime"
            assert challenge.meta.state_query is not None
            state = await conn.prepare(challenge.meta.state_query)
            result.columns = [a.name for a in state.get_attributes()]
            result.rows = [tuple(r) for r in await state.fetch()]
            await conn.execute("RESET search_path")
            return
        transaction = conn.transaction(readonly=mode == "query")
        await transaction.start()
        try:
            await conn.execute(f'SET LOCAL search_path TO "{schema}"')
            await conn.execute(f"SET LOCAL statement_timeout = {challenge.meta.limits.timeout_ms}")
            if mode == "query":
                statement = await conn.prepare(sql)
                result.columns = [a.name for a in statement.get_attributes()]
                cursor = await statement.cursor()
                rows = await cursor.fetch(cap + 1)
                result.rows = [tuple(r) for r in rows[:cap]]
                if len(rows) > cap:
                    result.error, result.error_kind = f"more than {cap} rows", "too_many"
                return
            await conn.execute(sql)
            assert challenge.meta.plan is not None
            await conn.execute("SET LOCAL enable_seqscan = off")
            raw = await conn.fetchval("EXPLAIN (FORMAT JSON) " + challenge.meta.plan.query)
            plan = json.loads(raw) if isinstance(raw, str) else raw
            result.plan = json.dumps(plan)[:4000]
            result.plan_uses_index = _pg_uses_index(plan, challenge.meta.plan.table)
            query = await conn.prepare(challenge.meta.plan.query)
            result.columns = [a.name for a in query.get_attributes()]
            result.rows = [tuple(r) for r in await query.fetch()]
        finally:
            # Nothing the candidate did is ever kept.
            if not conn.is_closed():
                with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresError):
                    await transaction.rollback()


def _pg_uses_index(plan: Any, table: str) -> bool:
    found = False

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            kind = str(node.get("Node Type", ""))
            if "Index" in kind and (
                node.get("Relation Name") == table or kind == "Bitmap Index Scan"
            ):
                found = True
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(plan)
    return found

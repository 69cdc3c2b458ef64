"""The engines SQL submissions run on.

SQLite: candidate SQL runs in a sandboxed worker process (sqlite_runner.py, runtime/
sqlite_worker.py), never in Viva's: a fresh in-memory database per run, an authorizer that
allows only what the check needs on the challenge's own tables (no ATTACH, PRAGMA,
load_extension, schema tables), memory, time and result limits.

PostgreSQL: a database used only for grading, in which candidate SQL is parsed first (only
the statement kinds the check needs run) and then runs on connections LOGGED IN as a role that
reaches only that run's data (one per dataset, one per concurrent private run, one for the
references), with timeouts and a result-size guard on the server, a wall-clock cut on the client,
and DISCARD ALL between runs. Viva's own database is another database altogether.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import hashlib
import hmac
import json
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import asyncpg
from pglast.parser import ParseError

from viva.errors import ServiceUnavailable
from viva.grading.runtime import sqlite_worker
from viva.grading.sql.challenges import Dataset, SqlChallenge
from viva.grading.sql.sqlite_runner import (
    KILL_GRACE_SECONDS,
    SqlitePool,
    SqliteUnavailable,
    WorkerConfig,
    WorkerLost,
    shared_pool,
)
from viva.grading.sql.statements import Check, Checked, StatementRefused, check_postgres

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
        values = tuple(sqlite_worker.decode_value(v) for v in row)
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
        templates = sqlite_worker.Templates(kept=1)
        results = []
        for job, dataset in zip(jobs, datasets, strict=True):
            started = time.perf_counter()
            templates.prepare(job["key"], challenge.schema + "\n" + dataset.sql)
            result = _sqlite_result(sqlite_worker.run(job, templates), job)
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


# --- PostgreSQL -----------------------------------------------------------------------------

# Session defaults every grading role gets, re-asserted whenever a process starts using it (a
# role could once give itself others with ALTER ROLE CURRENT_USER SET ...).
_ROLE_SETTINGS = {
    "lock_timeout": "500ms",
    "idle_in_transaction_session_timeout": "5s",
    "temp_file_limit": "16MB",
    "work_mem": "4MB",
    "statement_timeout": "2s",
    # The statement check parses strings as the server does only with this on.
    "standard_conforming_strings": "on",
}
RESULT_BYTES = 512 * 1024  # a result larger than this on the server is Output Limit Exceeded
_GUARD_SCHEMA = "viva_guard"
_OVER_CAP = "VV001"  # the SQLSTATE the guard raises
_CANDIDATE_SLOTS = 4  # concurrent ddl/script runs, each under a role of its own
_MAX_SLOT_ROLES = 64  # slot roles in all, over every process sharing the grading database
_CLAIM = "SELECT pg_try_advisory_lock(1986, $1)"
# Taken by every transaction that creates roles or changes privileges, in any process (two
# concurrent ACL changes on one object fail with "tuple concurrently updated").
_LOCK_ROLES = "SELECT pg_advisory_xact_lock(1986, 0)"
_CONNECTIONS = 6  # candidate and reference connections open at once, all roles together
_GRACE_SECONDS = 0.25  # past the limit, the client gives up on the server's own timeout
_REAP_POLLS = 600  # a cut-off backend is watched for up to 2 minutes (every 0.2 s)
# Functions no grading role may call: other sessions' activity, large objects (they outlive a
# run), session settings (SET ROLE by another name), advisory locks, XML dumps of whole schemas.
_REVOKED_FUNCTIONS = r"""
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = 'pg_catalog'::regnamespace
  AND (p.proname ~ '^(lo_|pg_stat_get_backend_|pg_advisory|pg_try_advisory|pg_stat_reset)'
       OR p.proname = ANY($1::text[]))
"""
_REVOKED_BY_NAME = [
    "pg_stat_get_activity",
    "pg_stat_get_progress_info",
    "loread",
    "lowrite",
    "set_config",
    "pg_notify",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
]
_REVOKED_VIEWS = ["pg_stat_activity", "pg_stat_progress_vacuum", "pg_stat_progress_analyze"]


_CHECKS: dict[str, Check] = {"query": "rows", "ddl": "plan", "script": "atomic"}


def _lock_key(name: str) -> int:
    """A stable 31-bit advisory-lock key for a name (never 0: that key is _LOCK_ROLES)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (2**31 - 1) + 1


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _TimedOut(Exception):
    """The client's wall clock ran out before the server's statement_timeout fired."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self.pid = pid  # the backend, told to terminate, that may still be running


class _Connections:
    """Connections logged in as grading roles, kept idle per role and reused; at most `limit`
    open at once (the least recently used idle one is closed to make room). Nothing of a run
    survives into the next: a connection goes back only after DISCARD ALL, else it is closed."""

    def __init__(self, base: str, passwords: dict[str, str], limit: int) -> None:
        self._base = base  # host:port/database?params
        self._passwords = passwords
        self._limit = limit
        self._idle: OrderedDict[asyncpg.Connection, str] = OrderedDict()
        self._open = 0
        self._changed = asyncio.Condition()

    async def acquire(self, role: str) -> asyncpg.Connection:
        async with self._changed:
            while True:
                conn = next((c for c, r in reversed(self._idle.items()) if r == role), None)
                if conn is not None:
                    del self._idle[conn]
                    if not conn.is_closed():
                        return conn
                    self._open -= 1
                    continue
                if self._open < self._limit:
                    self._open += 1
                    break
                if self._idle:
                    victim, _ = self._idle.popitem(last=False)
                    victim.terminate()
                    self._open -= 1
                    continue
                await self._changed.wait()
        try:
            return await asyncpg.connect(
                f"postgresql://{self._base}",
                user=role,
                password=self._passwords[role],
                statement_cache_size=0,  # only unnamed statements: no names to collide with
                timeout=10,
            )
        except BaseException:
            async with self._changed:
                self._open -= 1
                self._changed.notify()
            raise

    async def release(
        self, role: str, conn: asyncpg.Connection, *, reuse: bool = True, linger: bool = False
    ) -> None:
        """Back to the idle ones, or closed. `linger`: closed, but its backend may still run,
        so it keeps counting as open until unhold()."""
        if reuse and not conn.is_closed():
            try:
                await conn.execute("DISCARD ALL", timeout=2)
            except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                reuse = False
        if not reuse or conn.is_closed():
            conn.terminate()
        async with self._changed:
            if reuse and not conn.is_closed():
                self._idle[conn] = role
            elif not linger:
                self._open -= 1
            self._changed.notify()

    async def unhold(self) -> None:
        async with self._changed:
            self._open -= 1
            self._changed.notify()

    def close(self) -> None:
        for conn in self._idle:
            conn.terminate()
        self._idle.clear()


class PostgresEngine:
    """One per process. An admin pool loads datasets and manages roles; candidate SQL runs on
    connections logged in as a role that can reach only the data of that run:
    - rows checks: one role per dataset, with USAGE on that dataset's schema only;
    - plan and atomic checks: a slot role per concurrent run, owning that run's private schema;
    - reference solutions: a role of their own.
    Every statement is parsed first (statements.py) and only the kinds the check needs run."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        database = self.admin_dsn.rsplit("/", 1)[-1].split("?")[0]
        self.database = database
        self._prefix = re.sub(r"[^a-z0-9_]", "_", database.lower())[:24]
        self.reference_role = f"{self._prefix}_reference"
        self.slot_roles: list[str] = []  # claimed in start()
        self._claims: asyncpg.Connection | None = None
        self._legacy_role = re.sub(r"[^a-z0-9_]", "_", f"{database}_candidate".lower())[:60]
        self._admin: asyncpg.Pool | None = None
        self._passwords: dict[str, str] = {}
        self._connections: _Connections | None = None
        self._slots: asyncio.Queue[str] | None = None
        self._loaded: dict[str, str] = {}  # dataset schema -> its role
        self._reapers: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def _password(self, role: str) -> str:
        # The same in every process sharing the grading database, and secret while the admin
        # DSN is (it carries the admin's password when the server asks for one).
        key = self.admin_dsn.encode()
        return hmac.new(key, role.encode(), hashlib.sha256).hexdigest()

    async def start(self) -> None:
        if self._admin is not None:
            return
        self._admin = await asyncpg.create_pool(self.admin_dsn, min_size=1, max_size=3)
        # Holds, for this process's lifetime, the advisory locks that claim its slot roles: two
        # processes never run candidates under the same slot role.
        self._claims = await asyncpg.connect(self.admin_dsn)
        self.slot_roles = []
        for i in range(_MAX_SLOT_ROLES):
            role = f"{self._prefix}_run_{i}"
            if await self._claims.fetchval(_CLAIM, _lock_key(role)):
                self.slot_roles.append(role)
                if len(self.slot_roles) == _CANDIDATE_SLOTS:
                    break
        if not self.slot_roles:
            raise RuntimeError("every PostgreSQL grading slot role is claimed by other processes")
        async with self._admin.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_ROLES)
            await conn.execute(f"REVOKE ALL ON DATABASE {_quote(self.database)} FROM PUBLIC")
            await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            for name in await conn.fetch(_REVOKED_FUNCTIONS, _REVOKED_BY_NAME):
                await conn.execute(f"REVOKE EXECUTE ON FUNCTION {name[0]} FROM PUBLIC")
            for view in _REVOKED_VIEWS:
                await conn.execute(f"REVOKE ALL ON pg_catalog.{view} FROM PUBLIC")
            await self._create_guard(conn)
            if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", self._legacy_role):
                # The one role every run used to share had USAGE on every dataset schema.
                await conn.execute(f"DROP OWNED BY {_quote(self._legacy_role)}")
                with contextlib.suppress(asyncpg.PostgresError):
                    async with conn.transaction():
                        await conn.execute(f"DROP ROLE {_quote(self._legacy_role)}")
            for role in (self.reference_role, *self.slot_roles):
                await self._ensure_role(conn, role, {})
        base = self.admin_dsn.split("://", 1)[1].split("@", 1)[-1]
        self._connections = _Connections(base, self._passwords, _CONNECTIONS)
        self._slots = asyncio.Queue()
        for role in self.slot_roles:
            self._slots.put_nowait(role)

    async def close(self) -> None:
        """Close every connection; start() may be called again (as a restarted process)."""
        for reaper in list(self._reapers):
            reaper.cancel()
        if self._connections is not None:
            self._connections.close()
        if self._claims is not None:
            self._claims.terminate()
        if self._admin is not None:
            await self._admin.close()
        self._admin, self._claims, self._connections, self._slots = None, None, None, None
        self._loaded.clear()

    async def _create_guard(self, conn: asyncpg.Connection) -> None:
        """viva_guard.fits(total, cap): raises once a result's running size passes the cap, so
        an oversized result is refused by the server before it is sent."""
        async with conn.transaction():
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_GUARD_SCHEMA}")
            await conn.execute(f"REVOKE ALL ON SCHEMA {_GUARD_SCHEMA} FROM PUBLIC")
            await conn.execute(
                f"CREATE OR REPLACE FUNCTION {_GUARD_SCHEMA}.fits(total numeric, cap bigint) "
                "RETURNS boolean LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $$ BEGIN "
                "IF total > cap THEN RAISE EXCEPTION USING ERRCODE = '" + _OVER_CAP + "', "
                "MESSAGE = 'the result is too large'; END IF; RETURN true; END $$"
            )
            await conn.execute(f"REVOKE ALL ON FUNCTION {_GUARD_SCHEMA}.fits FROM PUBLIC")

    async def _ensure_role(
        self, conn: asyncpg.Connection, role: str, settings: dict[str, str]
    ) -> None:
        """Create or re-assert a grading role: login, nothing else, our settings only."""
        password = self._password(role)
        quoted = _quote(role)
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        attributes = (
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS "
            f"CONNECTION LIMIT 16 PASSWORD '{password}' VALID UNTIL 'infinity'"
        )
        if not exists:  # (callers hold _LOCK_ROLES: no other process creates it meanwhile)
            await conn.execute(f"CREATE ROLE {quoted} {attributes}")
        await conn.execute(f"ALTER ROLE {quoted} {attributes}")
        await conn.execute(f"ALTER ROLE {quoted} RESET ALL")
        await conn.execute(f"ALTER ROLE {quoted} IN DATABASE {_quote(self.database)} RESET ALL")
        for name, value in (_ROLE_SETTINGS | settings).items():
            await conn.execute(f"ALTER ROLE {quoted} SET {name} = '{value}'")
        for granted in await conn.fetch(
            "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid "
            "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)",
            role,
        ):
            await conn.execute(f"REVOKE {_quote(granted[0])} FROM {quoted}")
        await conn.execute(f"GRANT CONNECT ON DATABASE {_quote(self.database)} TO {quoted}")
        await conn.execute(f"GRANT USAGE ON SCHEMA {_GUARD_SCHEMA} TO {quoted}")
        await conn.execute(f"GRANT EXECUTE ON FUNCTION {_GUARD_SCHEMA}.fits TO {quoted}")
        self._passwords[role] = password

    def _digest(self, challenge: SqlChallenge, dataset: Dataset) -> str:
        text = f"{challenge.schema}\n{dataset.sql}\n{challenge.meta.limits.timeout_ms}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    async def _dataset_schema(self, challenge: SqlChallenge, dataset: Dataset) -> tuple[str, str]:
        """A read-only schema holding this dataset, loaded once and shared by every run, and
        the role that alone may read it."""
        digest = self._digest(challenge, dataset)
        schema = f"ds_{digest}"
        if schema in self._loaded:
            return schema, self._loaded[schema]
        role = f"{self._prefix}_ds_{digest}"
        async with self._lock:
            if schema not in self._loaded:
                assert self._admin is not None
                async with self._admin.acquire() as conn, conn.transaction():
                    await conn.execute(_LOCK_ROLES)
                    found = await conn.fetchval(
                        "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema
                    )
                    if not found:
                        await conn.execute(f"CREATE SCHEMA {_quote(schema)}")
                        await conn.execute(f"SET LOCAL search_path TO {_quote(schema)}")
                        await conn.execute(challenge.schema + "\n" + dataset.sql)
                    timeout = f"{challenge.meta.limits.timeout_ms}ms"
                    await self._ensure_role(
                        conn,
                        role,
                        {
                            "search_path": schema,
                            "statement_timeout": timeout,
                            "default_transaction_read_only": "on",
                        },
                    )
                    await conn.execute(f"REVOKE ALL ON SCHEMA {_quote(schema)} FROM PUBLIC")
                    readers = f"{_quote(role)}, {_quote(self.reference_role)}"
                    await conn.execute(f"GRANT USAGE ON SCHEMA {_quote(schema)} TO {readers}")
                    await conn.execute(
                        f"GRANT SELECT ON ALL TABLES IN SCHEMA {_quote(schema)} TO {readers}"
                    )
                self._loaded[schema] = role
        return schema, role

    async def _private_schema(self, challenge: SqlChallenge, dataset: Dataset, role: str) -> str:
        """A schema of this run's own, owned by the run's role (it may index its tables)."""
        schema = f"run_{uuid.uuid4().hex[:16]}"
        assert self._admin is not None
        async with self._admin.acquire() as conn, conn.transaction():
            await conn.execute(f"CREATE SCHEMA {_quote(schema)} AUTHORIZATION {_quote(role)}")
            await conn.execute(f"SET LOCAL ROLE {_quote(role)}")
            await conn.execute(f"SET LOCAL search_path TO {_quote(schema)}")
            await conn.execute(challenge.schema + "\n" + dataset.sql)
        return schema

    async def _drop(self, schema: str) -> None:
        assert self._admin is not None
        async with self._admin.acquire() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE")

    async def _kill(self, pid: int) -> None:
        """End a backend the client gave up on. It may be busy where it does not check for
        interrupts (parsing a huge JSON or XML value) and end only at its next check, seconds
        later: until then it still counts as an open connection, so cut-off backends never
        pile up past the connection limit."""
        assert self._admin is not None
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            async with self._admin.acquire() as conn:
                await conn.execute("SELECT pg_terminate_backend($1)", pid)

    async def _reap(self, pid: int, connections: _Connections) -> None:
        try:
            for _ in range(_REAP_POLLS):
                assert self._admin is not None
                async with self._admin.acquire() as conn:
                    alive = await conn.fetchval(
                        "SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid
                    )
                if not alive:
                    return
                await asyncio.sleep(0.2)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, AssertionError):
            pass
        finally:
            await connections.unhold()

    async def run(
        self,
        challenge: SqlChallenge,
        dataset: Dataset,
        sql: str,
        *,
        mode: Mode,
        trusted: bool = False,
    ) -> SqlResult:
        assert self._connections is not None and self._slots is not None
        started = time.perf_counter()
        result = SqlResult()
        try:
            checked = check_postgres(sql, _CHECKS[mode])
        except ParseError as exc:
            result.error, result.error_kind = str(exc), "syntax"
            return result
        except StatementRefused as exc:
            result.error, result.error_kind = str(exc), "runtime"
            return result
        private = mode in ("ddl", "script")
        slot: str | None = None
        if private and not trusted:
            slot = await self._slots.get()
        try:
            if private:
                role = slot or self.reference_role
                schema = await self._private_schema(challenge, dataset, role)
            else:
                schema, role = await self._dataset_schema(challenge, dataset)
                if trusted:
                    role = self.reference_role
            try:
                await self._run_as(role, schema, checked, mode, result, challenge, trusted)
            finally:
                if private:
                    await self._drop(schema)
        finally:
            if slot is not None:
                self._slots.put_nowait(slot)
        result.ms = (time.perf_counter() - started) * 1000
        return result

    async def _run_as(
        self,
        role: str,
        schema: str,
        checked: Checked,
        mode: Mode,
        result: SqlResult,
        challenge: SqlChallenge,
        trusted: bool,
    ) -> None:
        assert self._connections is not None
        conn = await self._connections.acquire(role)
        reuse = False
        lingering: int | None = None
        try:
            if trusted or mode != "query":
                limit = challenge.meta.limits.timeout_ms
                await conn.execute(
                    f"SET search_path TO {_quote(schema)}; SET statement_timeout = {limit}"
                )
            await self._execute(conn, checked, mode, result, challenge)
            reuse = True
        except _TimedOut as exc:
            result.error, result.error_kind = "the query ran past the time limit", "timeout"
            lingering = exc.pid
        except asyncpg.QueryCanceledError:
            result.error, result.error_kind = "the query ran past the time limit", "timeout"
            reuse = True
        except asyncpg.PostgresError as exc:
            _record_error(result, exc)
            reuse = True
        except asyncpg.InterfaceError as exc:
            result.error, result.error_kind = str(exc), "runtime"
        finally:
            await self._connections.release(role, conn, reuse=reuse, linger=lingering is not None)
            if lingering is not None:
                reaper = asyncio.get_running_loop().create_task(
                    self._reap(lingering, self._connections)
                )
                self._reapers.add(reaper)
                reaper.add_done_callback(self._reapers.discard)

    async def _limited(
        self, conn: asyncpg.Connection, work: Callable[[float], Awaitable[Any]], seconds: float
    ) -> Any:
        """`work(timeout)` (a call on `conn`, which asyncpg bounds) within `seconds` of wall
        clock, or the connection is cut, its backend terminated, and _TimedOut raised."""
        try:
            return await work(seconds + _GRACE_SECONDS)
        except TimeoutError:
            pid = conn.get_server_pid()
            conn.terminate()
            await self._kill(pid)
            raise _TimedOut(pid) from None

    async def _rows(
        self,
        conn: asyncpg.Connection,
        query: str,
        cap: int,
        seconds: float,
        result: SqlResult,
        *,
        stored: bool = False,
    ) -> None:
        """Run a SELECT through the size guard: at most cap + 1 rows and RESULT_BYTES come back."""
        guarded = _guarded(query, cap, stored=stored)
        statement = await self._limited(
            conn, lambda timeout: conn.prepare(guarded, timeout=timeout), seconds
        )
        columns = [a.name for a in statement.get_attributes()][:-1]
        rows = await self._limited(conn, lambda timeout: statement.fetch(timeout=timeout), seconds)
        result.columns = columns
        result.rows = [tuple(r)[:-1] for r in rows[:cap]]
        if len(rows) > cap:
            result.error, result.error_kind = f"more than {cap} rows", "too_many"

    async def _execute(
        self,
        conn: asyncpg.Connection,
        checked: Checked,
        mode: Mode,
        result: SqlResult,
        challenge: SqlChallenge,
    ) -> None:
        seconds = challenge.meta.limits.timeout_ms / 1000
        cap = challenge.meta.compare.max_rows
        if mode == "query":
            await self._rows(conn, checked.statements[0], cap, seconds, result)
            return
        script = "\n;\n".join(checked.statements)

        def run(sql: str) -> Callable[[float], Awaitable[str]]:
            return lambda timeout: conn.execute(sql, timeout=timeout)

        if mode == "script":
            # As a client would send it: no transaction of ours around it. (PostgreSQL runs a
            # multi-statement string as one implicit transaction unless it says BEGIN/COMMIT.)
            try:
                await self._limited(conn, run(script), seconds)
            except asyncpg.QueryCanceledError:
                raise
            except asyncpg.PostgresError as exc:
                _record_error(result, exc)
            if conn.is_in_transaction():
                # Left open or failed half-way: as on a disconnect, none of it is kept.
                await self._limited(conn, run("ROLLBACK"), seconds)
            assert challenge.meta.state_query is not None
            failed = (result.error, result.error_kind)
            await self._rows(
                conn, _statement(challenge.meta.state_query), cap, seconds, result, stored=True
            )
            if result.error is None:
                result.error, result.error_kind = failed
            return
        transaction = conn.transaction()
        await transaction.start()
        try:
            await self._limited(conn, run(script), seconds)
            assert challenge.meta.plan is not None
            await conn.execute("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN (FORMAT JSON) " + challenge.meta.plan.query
            raw = await self._limited(
                conn, lambda timeout: conn.fetchval(explain, timeout=timeout), seconds
            )
            plan = json.loads(raw) if isinstance(raw, str) else raw
            result.plan = json.dumps(plan)[:4000]
            leading: dict[str, str | None] = {}
            for name, _ in _pg_index_scans(plan, challenge.meta.plan.table):

                async def column(timeout: float, name: str = name) -> str | None:  # noqa: ASYNC109
                    found: str | None = await conn.fetchval(_LEADING_COLUMN, name, timeout=timeout)
                    return found

                leading[name] = await self._limited(conn, column, seconds)
            result.plan_uses_index = _pg_uses_index(plan, challenge.meta.plan.table, leading)
            await self._rows(
                conn, _statement(challenge.meta.plan.query), cap, seconds, result, stored=True
            )
        finally:
            # Nothing the candidate did is ever kept.
            if not conn.is_closed():
                with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresError):
                    await transaction.rollback()


def _statement(query: str) -> str:
    """A challenge's own SELECT (plan or state query) without its trailing semicolon."""
    return check_postgres(query, "rows").statements[0]


def _guarded(query: str, cap: int, *, stored: bool) -> str:
    """`query` as a subquery, its rows in its own order, with the running size of the rows
    checked by the server (viva_guard.fits raises past RESULT_BYTES) in an extra last column.
    A row's size is its in-memory size, except for rows read from tables the candidate wrote
    (`stored`): those may hold compressed values, so their text is measured (slower)."""
    # `_viva_row.*` is the whole row even when the query has a column named like the alias.
    row = "octet_length((_viva_row.*)::text)" if stored else "pg_column_size(_viva_row.*)"
    size = f"sum({row}) OVER (ROWS UNBOUNDED PRECEDING)"
    guard = f"{_GUARD_SCHEMA}.fits({size}, {RESULT_BYTES})"
    return f"SELECT _viva_row.*, {guard} FROM (\n{query}\n) AS _viva_row LIMIT {cap + 1}"  # noqa: S608


def _record_error(result: SqlResult, exc: asyncpg.PostgresError) -> None:
    text = str(exc)
    if getattr(exc, "sqlstate", None) == _OVER_CAP:
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


# The first key column of an index of the run's schema (NULL for an expression).
_LEADING_COLUMN = """
SELECT a.attname FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
"""


def _pg_index_scans(plan: Any, table: str) -> list[tuple[str, str]]:
    """(index name, index condition) of every index scan of `table` in an EXPLAIN plan."""
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = str(node.get("Node Type", ""))
            if "Index" in kind and (
                node.get("Relation Name") == table or kind == "Bitmap Index Scan"
            ):
                found.append((str(node.get("Index Name", "")), str(node.get("Index Cond", ""))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(plan)
    return found


def _pg_uses_index(plan: Any, table: str, leading: dict[str, str | None]) -> bool:
    """An index searched through, as SQLite's SEARCH ... USING INDEX: its leading column is in
    the index condition. (With enable_seqscan off, PostgreSQL also walks a whole index whose
    leading column the query does not filter on; that is no index for this lookup.)"""
    for name, condition in _pg_index_scans(plan, table):
        column = leading.get(name)
        if column and re.search(
            rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column)}"', condition
        ):
            return True
    return False

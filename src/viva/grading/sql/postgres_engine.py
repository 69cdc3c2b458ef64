"""The PostgreSQL engine: a database used only for grading, in which candidate SQL is parsed
first (only the statement kinds the check needs run) and then runs on connections LOGGED IN as
a role that reaches only that run's data (one per dataset, one per concurrent private run, one
for the references), with timeouts and a result-size guard on the server, a wall-clock cut on
the client, and DISCARD ALL between runs. Viva's own database is another database altogether.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from pglast.parser import ParseError

from viva.grading.sql import postgres_roles as roles
from viva.grading.sql.challenges import Dataset, SqlChallenge
from viva.grading.sql.postgres_connections import Connections, TimedOut
from viva.grading.sql.postgres_guard import create_guard, guarded, record_error
from viva.grading.sql.postgres_plan import LEADING_COLUMN, index_scans, uses_index
from viva.grading.sql.postgres_roles import quote, role_prefix
from viva.grading.sql.result import Mode, SqlResult
from viva.grading.sql.statements import Check, Checked, StatementRefused, check_postgres

_CANDIDATE_SLOTS = 4  # concurrent ddl/script runs, each under a role of its own
_MAX_SLOT_ROLES = 64  # slot roles in all, over every process sharing the grading database
_CONNECTIONS = 6  # candidate and reference connections open at once, all roles together
_GRACE_SECONDS = 0.25  # past the limit, the client gives up on the server's own timeout
_REAP_POLLS = 600  # a cut-off backend is watched for up to 2 minutes (every 0.2 s)
_CHECKS: dict[str, Check] = {"query": "rows", "ddl": "plan", "script": "atomic"}


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
        self._prefix = role_prefix(database)
        self.reference_role = f"{self._prefix}_reference"
        self.slot_roles: list[str] = []  # claimed in start()
        self._claims: asyncpg.Connection | None = None
        self._legacy_role = re.sub(r"[^a-z0-9_]", "_", f"{database}_candidate".lower())[:60]
        self._admin: asyncpg.Pool | None = None
        self._passwords: dict[str, str] = {}
        self._connections: Connections | None = None
        self._slots: asyncio.Queue[str] | None = None
        self._loaded: dict[str, str] = {}  # dataset schema -> its role
        self._reapers: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

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
            if await self._claims.fetchval(roles.CLAIM, roles.lock_key(role)):
                self.slot_roles.append(role)
                if len(self.slot_roles) == _CANDIDATE_SLOTS:
                    break
        if not self.slot_roles:
            raise RuntimeError("every PostgreSQL grading slot role is claimed by other processes")
        async with self._admin.acquire() as conn, conn.transaction():
            await conn.execute(roles.LOCK_ROLES)
            await roles.lock_down(conn, self.database)
            await create_guard(conn)
            await roles.drop_legacy_role(conn, self._legacy_role)
            for role in (self.reference_role, *self.slot_roles):
                await self._ensure_role(conn, role, {})
        base = self.admin_dsn.split("://", 1)[1].split("@", 1)[-1]
        self._connections = Connections(base, self._passwords, _CONNECTIONS)
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

    async def _ensure_role(
        self, conn: asyncpg.Connection, role: str, settings: dict[str, str]
    ) -> None:
        secret = roles.password(self.admin_dsn, role)
        await roles.ensure_role(
            conn, role, secret=secret, database=self.database, settings=settings
        )
        self._passwords[role] = secret

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
                    await conn.execute(roles.LOCK_ROLES)
                    found = await conn.fetchval(
                        "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema
                    )
                    if not found:
                        await conn.execute(f"CREATE SCHEMA {quote(schema)}")
                        await conn.execute(f"SET LOCAL search_path TO {quote(schema)}")
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
                    await conn.execute(f"REVOKE ALL ON SCHEMA {quote(schema)} FROM PUBLIC")
                    readers = f"{quote(role)}, {quote(self.reference_role)}"
                    await conn.execute(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {readers}")
                    await conn.execute(
                        f"GRANT SELECT ON ALL TABLES IN SCHEMA {quote(schema)} TO {readers}"
                    )
                self._loaded[schema] = role
        return schema, role

    async def _private_schema(self, challenge: SqlChallenge, dataset: Dataset, role: str) -> str:
        """A schema of this run's own, owned by the run's role (it may index its tables)."""
        schema = f"run_{uuid.uuid4().hex[:16]}"
        assert self._admin is not None
        async with self._admin.acquire() as conn, conn.transaction():
            await conn.execute(f"CREATE SCHEMA {quote(schema)} AUTHORIZATION {quote(role)}")
            await conn.execute(f"SET LOCAL ROLE {quote(role)}")
            await conn.execute(f"SET LOCAL search_path TO {quote(schema)}")
            await conn.execute(challenge.schema + "\n" + dataset.sql)
        return schema

    async def _drop(self, schema: str) -> None:
        assert self._admin is not None
        async with self._admin.acquire() as conn:
            await conn.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")

    async def _kill(self, pid: int) -> None:
        """End a backend the client gave up on. It may be busy where it does not check for
        interrupts (parsing a huge JSON or XML value) and end only at its next check, seconds
        later: until then it still counts as an open connection, so cut-off backends never
        pile up past the connection limit."""
        assert self._admin is not None
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            async with self._admin.acquire() as conn:
                await conn.execute("SELECT pg_terminate_backend($1)", pid)

    async def _reap(self, pid: int, connections: Connections) -> None:
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
                    f"SET search_path TO {quote(schema)}; SET statement_timeout = {limit}"
                )
            await self._execute(conn, checked, mode, result, challenge)
            reuse = True
        except TimedOut as exc:
            result.error, result.error_kind = "the query ran past the time limit", "timeout"
            lingering = exc.pid
        except asyncpg.QueryCanceledError:
            result.error, result.error_kind = "the query ran past the time limit", "timeout"
            reuse = True
        except asyncpg.PostgresError as exc:
            record_error(result, exc)
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
        clock, or the connection is cut, its backend terminated, and TimedOut raised."""
        try:
            return await work(seconds + _GRACE_SECONDS)
        except TimeoutError:
            pid = conn.get_server_pid()
            conn.terminate()
            await self._kill(pid)
            raise TimedOut(pid) from None

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
        wrapped = guarded(query, cap, stored=stored)
        statement = await self._limited(
            conn, lambda timeout: conn.prepare(wrapped, timeout=timeout), seconds
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
                record_error(result, exc)
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
            for name, _ in index_scans(plan, challenge.meta.plan.table):

                async def column(timeout: float, name: str = name) -> str | None:  # noqa: ASYNC109
                    found: str | None = await conn.fetchval(LEADING_COLUMN, name, timeout=timeout)
                    return found

                leading[name] = await self._limited(conn, column, seconds)
            result.plan_uses_index = uses_index(plan, challenge.meta.plan.table, leading)
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

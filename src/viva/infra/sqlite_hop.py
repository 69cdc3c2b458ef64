"""Several SQLite statements in one hop to aiosqlite's thread.

aiosqlite runs each sqlite3 call in a thread of its own and hands the result back to the
event loop: SQLAlchemy's adapter makes about four such hops per statement (cursor, execute,
fetch, close), and each hop is a queue put, a thread wake-up, the GIL handed over and back,
and a wake-up of the loop. On SQLite a rating's SELECT, UPDATE and two INSERTs were about
fourteen hops, which cost more CPU than the statements themselves (bench/README.md).

`one_hop(conn, work)` runs `work(runner)` in that thread once: `runner.execute(statement,
params)` compiles the Core statement with SQLAlchemy (once per statement object), applies
its columns' bind and result processors (so datetimes are stored and read back exactly as
SQLAlchemy's own path does) and runs it on the same sqlite3 connection, inside the
transaction the connection is in. Errors come back as SQLAlchemy's `DBAPIError` classes
(`OperationalError`, `IntegrityError`...), as from `AsyncConnection.execute`.

Only plain Core statements with named bind parameters (no expanding IN, no literal
execution); SQLAlchemy's cursor events do not see these statements.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

T = TypeVar("T")
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Prepared:
    compiled: SQLCompiler
    sql: str
    names: tuple[str, ...]
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


@lru_cache(maxsize=64)
def _prepare(statement: Any, dialect: Dialect) -> _Prepared:
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.positiontup is None:  # pragma: no cover - the SQLite dialects are qmark
        raise TypeError("one_hop needs a positional paramstyle")
    names = tuple(compiled.positiontup)
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    columns = compiled.effective_returning or (
        statement.selected_columns if statement.is_select else ()
    )
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return _Prepared(compiled, compiled.string, names, binds, results)


class Runner:
    """Runs statements on the sqlite3 connection, in aiosqlite's thread."""

    __slots__ = ("_conn", "_dialect")

    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def execute(
        self, statement: Any, params: Mapping[str, Any]
    ) -> tuple[list[tuple[Any, ...]], int]:
        """The statement's rows (processed as SQLAlchemy would) and its rowcount."""
        prepared = _prepare(statement, self._dialect)
        values = prepared.compiled.construct_params(dict(params))
        args = tuple(
            value if process is None else process(value)
            for value, process in zip(
                (values[name] for name in prepared.names), prepared.binds, strict=True
            )
        )
        try:
            cursor = self._conn.execute(prepared.sql, args)
            try:
                raw = cursor.fetchall() if cursor.description else []
                count = cursor.rowcount
            finally:
                cursor.close()
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                prepared.sql, args, error, sqlite3.Error, dialect=self._dialect
            ) from error
        results = prepared.results
        rows = [
            tuple(v if f is None else f(v) for v, f in zip(row, results, strict=True))
            for row in raw
        ]
        return rows, count


async def one_hop(conn: AsyncConnection, work: Callable[[Runner], T]) -> T:
    """Run `work` with a `Runner` in the connection's aiosqlite thread, in one hop."""
    fairy = await conn.get_raw_connection()
    adapted: Any = fairy.dbapi_connection  # SQLAlchemy's AsyncAdapt_aiosqlite_connection
    driver: Any = fairy.driver_connection  # the aiosqlite.Connection
    dialect = conn.dialect

    def run() -> T:
        return work(Runner(driver._conn, dialect))

    async with adapted._execute_mutex:  # the adapter's own lock for this connection
        result: T = await driver._execute(run)
    return result

"""One SQLite run on a fresh in-memory copy of a prepared dataset, under an authorizer and the
result caps: what the SQLite worker process (sqlite_worker.py) does for each job, and what
Viva's own process does for trusted runs. Stdlib only: in the sandbox it runs from
/sandbox/runtime, imported by the worker as a sibling module.
"""

from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from typing import Any

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

# The longest string or BLOB any expression may build (SQLITE_LIMIT_LENGTH): datasets are
# small, and a candidate's megabyte strings are what made single C calls run for seconds.
MAX_LENGTH = 1 << 20
MAX_LIKE_PATTERN = 1000
TEMPLATES_KEPT = 32
ERROR_CHARS = 1000


def authorizer(tables: set[str], mode: str) -> Any:
    """Only what the check needs, on the challenge's own tables (no ATTACH, PRAGMA,
    load_extension or schema tables)."""
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


def _error_kind(exc: BaseException, timed_out: bool) -> str:
    if timed_out:
        return "timeout"
    text = str(exc).lower()
    if "syntax error" in text or "incomplete input" in text or "unrecognized token" in text:
        return "syntax"
    return "runtime"


class TooLarge(Exception):
    """The result is over the job's row or byte cap."""


class Result:
    """Rows gathered under the caps: counted as they are fetched, so nothing larger than the
    caps is ever kept or sent."""

    def __init__(self, max_rows: int, max_bytes: int, max_value: int) -> None:
        self.columns: list[str] = []
        self.rows: list[list[Any]] = []
        self.max_rows, self.max_bytes, self.max_value = max_rows, max_bytes, max_value
        self.size = 0

    def take(self, cursor: sqlite3.Cursor, *, cap_message: str | None = None) -> None:
        self.columns = [str(d[0]) for d in cursor.description or []]
        self.rows = []
        self.size = sum(len(c) + 3 for c in self.columns)
        if self.size > self.max_bytes:
            raise TooLarge("the column names are longer than the output limit")
        while True:
            batch = cursor.fetchmany(256)
            if not batch:
                return
            for row in batch:
                if len(self.rows) >= self.max_rows:
                    raise TooLarge(cap_message or f"more than {self.max_rows} rows")
                self.rows.append([self._value(v) for v in row])

    def _value(self, value: Any) -> Any:
        if isinstance(value, bytes):
            if len(value) > self.max_value // 2:
                raise TooLarge(f"a value is larger than {self.max_value // 1024} KB")
            self.size += 2 * len(value) + 14
            value = {"$blob": value.hex()}
        elif isinstance(value, str):
            # UTF-8 length: what the reply carries (ensure_ascii=False).
            n = len(value.encode("utf-8", "surrogatepass"))
            if n > self.max_value:
                raise TooLarge(f"a value is larger than {self.max_value // 1024} KB")
            self.size += n + 2 + value.count('"') + value.count("\\")
        else:
            self.size += 24
        if self.size > self.max_bytes:
            raise TooLarge(f"the result is larger than {self.max_bytes // 1024} KB")
        return value


class Templates:
    """Datasets built once (they are Viva's own content) and copied into each run's fresh
    database with the backup API: the candidate never touches a template."""

    def __init__(self, kept: int = TEMPLATES_KEPT) -> None:
        self.kept = kept
        self._items: OrderedDict[str, tuple[sqlite3.Connection, set[str]]] = OrderedDict()
        # One untouched copy per template, made while idle, taken by the next run of it.
        self._spares: dict[str, sqlite3.Connection] = {}

    def prepare(self, key: str, sql: str) -> None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.executescript(sql)
            tables = {
                r[0].lower()
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except BaseException:
            conn.close()
            raise
        self._items[key] = (conn, tables)
        while len(self._items) > self.kept:
            gone, (old, _) = self._items.popitem(last=False)
            old.close()
            if (spare := self._spares.pop(gone, None)) is not None:
                spare.close()

    def get(self, key: str) -> tuple[sqlite3.Connection, set[str]] | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def fresh(self, key: str) -> tuple[sqlite3.Connection, set[str]]:
        """A database of its own for one run, and the dataset's tables."""
        item = self.get(key)
        if item is None:
            raise KeyError(f"dataset {key} is not prepared")
        spare = self._spares.pop(key, None)
        return (spare if spare is not None else _fresh_copy(item[0])), item[1]

    def refill(self, keys: list[str]) -> None:
        for key in keys:
            item = self._items.get(key)
            if item is not None and key not in self._spares:
                try:
                    self._spares[key] = _fresh_copy(item[0])
                except (sqlite3.Error, MemoryError):
                    return  # the next run makes its copy itself


def _fresh_copy(template: sqlite3.Connection) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    template.backup(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")  # temporary b-trees under the heap limit
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return conn


def run(job: dict[str, Any], templates: Templates) -> dict[str, Any]:
    """One run on a fresh copy of the prepared dataset; the reply as JSON-safe values."""
    conn, tables = templates.fresh(str(job["key"]))
    mode = str(job["mode"])
    result = Result(int(job["max_rows"]), int(job["max_bytes"]), int(job["max_value"]))
    reply: dict[str, Any] = {"error": None, "error_kind": None, "plan": "", "plan_uses_index": None}
    try:
        budget = float(job["timeout_ms"]) / 1000
        deadline = time.monotonic() + budget
        timed_out = False

        def progress() -> int:
            nonlocal timed_out
            if time.monotonic() > deadline:
                timed_out = True
                return 1
            return 0

        conn.set_progress_handler(progress, 1000)
        if not job.get("trusted"):
            conn.set_authorizer(authorizer(tables, mode))
        try:
            if mode == "query":
                result.take(conn.execute(str(job["sql"])))
            else:
                conn.executescript(str(job["sql"]))
        except TooLarge as exc:
            reply["error"], reply["error_kind"] = str(exc), "too_many"
            result.rows = []  # nothing past the caps travels
        except MemoryError:
            reply["error"], reply["error_kind"] = _memory_message(job), "memory"
        except ValueError as exc:  # a NUL character, text that is not UTF-8...
            reply["error"], reply["error_kind"] = f"the SQL cannot run: {exc}", "runtime"
        except sqlite3.ProgrammingError as exc:
            reply["error"], reply["error_kind"] = str(exc), "runtime"
            if "one statement at a time" in str(exc):
                reply["error"] = "exactly one SQL statement is expected here"
        except sqlite3.Error as exc:
            kind = _error_kind(exc, timed_out)
            reply["error"] = "the query ran past the time limit" if kind == "timeout" else str(exc)
            if "not authorized" in str(exc):
                reply["error"] = f"not allowed in this challenge: {exc}"
            elif "string or blob too big" in str(exc):
                # An output limit on any value, intermediate or not.
                kind = "too_many"
                reply["error"] = f"a value grew past {MAX_LENGTH // 1024} KB, the limit here"
            reply["error_kind"] = kind
        finally:
            conn.set_authorizer(None)
            if conn.in_transaction:
                conn.rollback()  # a script that failed half-way: its open transaction is void
        if reply["error_kind"] is None and not job.get("trusted") and time.monotonic() > deadline:
            # One long C call can return past the limit without the progress handler running
            # again: the time observed decides, not whether SQLite noticed.
            reply["error"], reply["error_kind"] = "the query ran past the time limit", "timeout"
        deadline = time.monotonic() + budget  # Viva's follow-up query has its own budget
        if reply["error_kind"] in ("timeout", "memory", "too_many") or (
            mode == "ddl" and reply["error"] is not None
        ):
            pass
        elif mode == "ddl" and job.get("plan_query"):
            try:
                plan = conn.execute("EXPLAIN QUERY PLAN " + str(job["plan_query"])).fetchall()
            except sqlite3.Error as exc:
                plan = []
                reply["error"], reply["error_kind"] = f"the plan check failed: {exc}", "runtime"
            details = [str(r[-1]) for r in plan]
            table = str(job["plan_table"]).lower()
            reply["plan"] = "\n".join(details)[:4000]
            reply["plan_uses_index"] = any(
                d.lower().startswith(f"search {table} using") and "index" in d.lower()
                for d in details
            )
            if reply["error"] is None:
                _checked(result, conn, str(job["plan_query"]), reply, job)
        elif mode == "script" and job.get("state_query"):
            _checked(result, conn, str(job["state_query"]), reply, job)
    finally:
        conn.set_progress_handler(None, 0)
        conn.close()
    if isinstance(reply["error"], str):
        reply["error"] = reply["error"][:ERROR_CHARS]
    reply["columns"], reply["rows"] = result.columns, result.rows
    return reply


def _checked(
    result: Result, conn: sqlite3.Connection, query: str, reply: dict[str, Any], job: dict[str, Any]
) -> None:
    """Viva's own follow-up query (plan or final state) over what the candidate left."""
    try:
        result.take(conn.execute(query))
    except TooLarge as exc:
        reply["error"], reply["error_kind"] = str(exc), "too_many"
        result.rows = []
    except MemoryError:
        reply["error"], reply["error_kind"] = _memory_message(job), "memory"
    except sqlite3.Error as exc:
        if "interrupted" in str(exc):
            reply["error"], reply["error_kind"] = "the query ran past the time limit", "timeout"
        else:
            reply["error"], reply["error_kind"] = f"the check query failed: {exc}", "runtime"


def _memory_message(job: dict[str, Any]) -> str:
    return f"the query used more than {int(job.get('memory_mb', 0))} MB"


def decode_value(value: Any) -> Any:
    """A value of a reply as the sqlite3 module returns it (BLOBs back to bytes)."""
    if isinstance(value, dict):
        return bytes.fromhex(str(value["$blob"]))
    return value

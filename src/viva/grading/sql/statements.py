"""Which statements a candidate may send to PostgreSQL: every statement is parsed with
PostgreSQL's own parser (pglast) and refused unless its kind is one the challenge's check needs,
and function calls that reach past the query (session settings, locks, large objects, other
sessions, server files) are refused wherever they appear."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pglast
from pglast import ast
from pglast.enums import TransactionStmtKind

Check = Literal["rows", "plan", "atomic"]

_TRANSACTION_KINDS = {
    TransactionStmtKind.TRANS_STMT_BEGIN,
    TransactionStmtKind.TRANS_STMT_START,
    TransactionStmtKind.TRANS_STMT_COMMIT,
    TransactionStmtKind.TRANS_STMT_ROLLBACK,
    TransactionStmtKind.TRANS_STMT_SAVEPOINT,
    TransactionStmtKind.TRANS_STMT_RELEASE,
    TransactionStmtKind.TRANS_STMT_ROLLBACK_TO,
}
_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)
_ALLOWED: dict[str, tuple[type[ast.Node], ...]] = {
    "rows": (ast.SelectStmt,),
    "plan": (ast.IndexStmt,),
    # A script works on a private copy of the data: it may lock its own rows and tables and
    # choose its transaction's isolation (SET TRANSACTION, checked below) as a real one would.
    "atomic": (
        ast.TransactionStmt,
        ast.SelectStmt,
        *_WRITES,
        ast.LockStmt,
        ast.ConstraintsSetStmt,
        ast.VariableSetStmt,
    ),
}
# Functions that change or read the state of the session, the server or other sessions. The
# grading database also revokes most of them from PUBLIC; this is the first of two locks.
_BANNED_FUNCTIONS = {
    "set_config",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_notify",
    "pg_listening_channels",
    "pg_export_snapshot",
    "pg_logical_emit_message",
    "pg_switch_wal",
    "pg_promote",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "loread",
    "lowrite",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    # They run a query given as text: nothing in it is checked here.
    "ts_stat",
    "ts_rewrite",
    # Other sessions' locks and pids.
    "pg_lock_status",
    "pg_blocking_pids",
    "pg_safe_snapshot_blocking_pids",
    # A sleep as long as a hidden value carries it out in the time a run takes.
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
}
# System catalogs and statistics views: row counts of hidden tables (pg_stat_*_tables,
# pg_class.reltuples), other sessions' locks, every grading role. A challenge reads its own
# tables only.
_SYSTEM_SCHEMAS = {"pg_catalog", "information_schema", "pg_toast"}
_BANNED_PREFIXES = (
    "lo_",
    "pg_advisory",
    "pg_try_advisory",
    "pg_stat_get_",
    "pg_stat_reset",
    "pg_ls_",
    "dblink",
    "pg_create_",
    "pg_drop_replication",
    "pg_replication_",
    "pg_file",
)


MAX_SQL_CHARS = 16_000


class StatementRefused(Exception):
    """A statement, or a function call in one, that this challenge does not allow."""


@dataclass(frozen=True)
class Checked:
    """A submission that passed: the text of its statements, without separators."""

    statements: tuple[str, ...]


def _kind(node: ast.Node) -> str:
    return type(node).__name__.removesuffix("Stmt")


def _walk(root: object) -> Iterator[ast.Node]:
    """Every node under root, without recursion (an expression can be thousands deep)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Node):
            yield node
            stack.extend(getattr(node, name, None) for name in getattr(node, "__slots__", ()))
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


def _function_name(call: ast.FuncCall) -> str:
    parts = [p.sval or "" for p in call.funcname or () if isinstance(p, ast.String)]
    return (parts[-1] if parts else "").lower()


def _refuse(what: str) -> StatementRefused:
    return StatementRefused(f"not allowed in this challenge: {what}")


def _check_tree(statement: ast.Node, check: Check) -> None:
    for node in _walk(statement):
        if isinstance(node, ast.FuncCall):
            name = _function_name(node)
            if name in _BANNED_FUNCTIONS or name.startswith(_BANNED_PREFIXES):
                raise _refuse(f"the function {name}()")
        elif isinstance(node, ast.RangeVar):
            schema, relation = (node.schemaname or "").lower(), (node.relname or "").lower()
            if schema in _SYSTEM_SCHEMAS or relation.startswith("pg_"):
                raise _refuse(f"the system catalog {relation}")
        elif isinstance(node, ast.SelectStmt):
            if node.intoClause is not None:
                raise _refuse("SELECT INTO (a new table)")
            if node.lockingClause and check != "atomic":
                raise _refuse("row locks (FOR UPDATE / FOR SHARE)")
        elif isinstance(node, ast.VariableSetStmt) and (node.name or "").upper() != "TRANSACTION":
            raise _refuse("SET / RESET (only SET TRANSACTION is allowed)")
        elif isinstance(node, _WRITES) and check != "atomic":
            raise _refuse(f"{_kind(node).upper()} (a data-modifying statement)")
        elif isinstance(node, ast.IndexStmt) and node.concurrent:
            raise _refuse("CREATE INDEX CONCURRENTLY")
        elif isinstance(node, ast.TransactionStmt) and node.kind not in _TRANSACTION_KINDS:
            raise _refuse("prepared transactions")


@lru_cache(maxsize=512)
def check_postgres(sql: str, check: Check) -> Checked:
    """The statements of `sql` if every one is allowed for `check`; StatementRefused if one is
    not, pglast.parser.ParseError if the text is not PostgreSQL."""
    if len(sql) > MAX_SQL_CHARS:
        # pglast turns the parse tree into Python objects recursively, in C: a long enough
        # chain (`1 + 1 + ...`, some 40,000 terms) overflows the stack of Viva's own process.
        raise StatementRefused(f"the SQL is longer than {MAX_SQL_CHARS:,} characters")
    if "\x00" in sql:
        # The parser reads a C string: it would stop at the NUL and check less than is sent.
        raise StatementRefused("the SQL contains a NUL character")
    try:
        raw = pglast.parse_sql(sql)
    except RecursionError:
        raise StatementRefused("the SQL is nested too deeply") from None
    if not raw:
        raise StatementRefused("the submission has no SQL statement")
    if check == "rows" and len(raw) > 1:
        raise StatementRefused("exactly one SQL statement is expected here")
    texts = []
    for item in raw:
        statement = item.stmt
        assert statement is not None
        if not isinstance(statement, _ALLOWED[check]):
            raise _refuse(_statement_name(statement))
        _check_tree(statement, check)
        start = item.stmt_location or 0
        end = start + item.stmt_len if item.stmt_len else len(sql)
        texts.append(sql[start:end])
    return Checked(tuple(texts))


def _statement_name(node: ast.Node) -> str:
    names = {
        "VariableSet": "SET / RESET",
        "VariableShow": "SHOW",
        "Do": "DO blocks",
        "Prepare": "PREPARE",
        "Execute": "EXECUTE",
        "Deallocate": "DEALLOCATE",
        "Listen": "LISTEN",
        "Unlisten": "UNLISTEN",
        "Notify": "NOTIFY",
        "Copy": "COPY",
        "AlterRole": "ALTER ROLE",
        "AlterRoleSet": "ALTER ROLE ... SET",
        "CreateFunction": "CREATE FUNCTION",
        "Vacuum": "VACUUM / ANALYZE",
        "Lock": "LOCK",
        "Discard": "DISCARD",
        "CreateTableAs": "CREATE TABLE AS",
        "Call": "CALL",
    }
    kind = _kind(node)
    return names.get(kind, f"{kind} statements")

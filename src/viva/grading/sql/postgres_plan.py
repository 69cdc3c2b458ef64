"""PostgreSQL: whether an EXPLAIN plan searches a table through an index, as SQLite's
SEARCH ... USING INDEX says it does."""

from __future__ import annotations

import re
from typing import Any

# The first key column of an index of the run's schema (NULL for an expression).
LEADING_COLUMN = """
SELECT a.attname FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
"""


def index_scans(plan: Any, table: str) -> list[tuple[str, str]]:
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


def uses_index(plan: Any, table: str, leading: dict[str, str | None]) -> bool:
    """An index searched through, as SQLite's SEARCH ... USING INDEX: its leading column is in
    the index condition. (With enable_seqscan off, PostgreSQL also walks a whole index whose
    leading column the query does not filter on; that is no index for this lookup.)"""
    for name, condition in index_scans(plan, table):
        column = leading.get(name)
        if column and re.search(
            rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column)}"', condition
        ):
            return True
    return False

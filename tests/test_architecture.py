"""The layout rules that import-linter cannot see: queries live in repositories, only the unit
of work commits, and no module of code grows past 400 lines.

The first two read each module's syntax tree, so prose in strings and comments does not count:
- a query is a call of one of SQLAlchemy's statement builders (`select(`, `insert(`, `text(`...,
  under whatever name the module imported it) or of a session method that runs SQL
  (`session.execute(`, `.scalars(`, `.get(`, `.refresh(`, `.delete(`...);
- the lifecycle is `commit()` on anything, and `rollback()`, `begin()` or `close()` on a session.
A session is a name or attribute called `session` (or `..._session`), or a parameter annotated
with a session type (`AsyncSession`, `SessionDep`). `session.add` and `session.flush` are the
unit of work's own bookkeeping of new rows, not queries: services may call them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "viva"
# migrations change the schema; content/ is shipped data.
NOT_CODE = {"migrations", "content"}
DATA_TABLES: set[str] = set()  # data tables, not code (they live in content/)
# Still over 400 lines, each to be split by its owner (none left).
NOT_YET_SPLIT: set[str] = set()

STATEMENT_BUILDERS = {
    "select",
    "insert",
    "update",
    "delete",
    "text",
    "union",
    "union_all",
    "exists",
    "values",
    "lambda_stmt",
}
SESSION_QUERIES = {
    "execute",
    "scalar",
    "scalars",
    "stream",
    "stream_scalars",
    "get",
    "get_one",
    "refresh",
    "merge",
    "delete",
}
# A savepoint (`begin_nested`) stays inside the unit of work: a repository may take one.
SESSION_LIFECYCLE = {"commit", "rollback", "begin", "close"}
SESSION_TYPES = {"AsyncSession", "Session", "SessionDep"}

# The allow-list: modules besides the repositories that may query or end a unit of work.
LIFECYCLE_HELPERS = {
    # The one unit of work: `UnitOfWork.finish` commits or rolls back the request's session
    # (deps.py binds it), `Database.session` that of a CLI command, a worker job or a startup
    # task; `Database.ping` (the readiness probe) runs `SELECT 1` on a bare connection.
    "db.py",
}
# Queries still outside a repository in a module another branch owns: module -> owner (the
# lead drops an entry once its owner moves them).
NOT_YET_MOVED: dict[str, str] = {}


@dataclass
class Found:
    queries: list[str] = field(default_factory=list)
    lifecycle: list[str] = field(default_factory=list)


def find(source: str) -> Found:
    """The queries and lifecycle calls of one module's source, as `line: call(`."""
    tree = ast.parse(source)
    builders: set[str] = set()  # local names of SQLAlchemy's statement builders
    modules: set[str] = set()  # local names of `import sqlalchemy [as sa]`
    sessions: set[str] = set()  # parameters annotated with a session type
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or "sqlalchemy" for a in node.names if _is_sqlalchemy(a.name)}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if _is_sqlalchemy(node.module or ""):
                builders |= {a.asname or a.name for a in node.names if a.name in STATEMENT_BUILDERS}
        elif isinstance(node, ast.arg) and node.annotation is not None:
            sessions |= {node.arg} if SESSION_TYPES & _words(node.annotation) else set()

    def is_session(node: ast.expr) -> bool:
        last = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        return last == "session" or last.endswith("_session") or last in sessions

    found = Found()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func, where = node.func, f"{node.lineno}: {ast.unparse(node.func)}("
        if isinstance(func, ast.Name):
            if func.id in builders:
                found.queries.append(where)
        elif isinstance(func, ast.Attribute):
            receiver = func.value
            builder = func.attr in STATEMENT_BUILDERS and getattr(receiver, "id", None) in modules
            if builder or (func.attr in SESSION_QUERIES and is_session(receiver)):
                found.queries.append(where)
            elif func.attr == "commit" or (func.attr in SESSION_LIFECYCLE and is_session(receiver)):
                found.lifecycle.append(where)
    return found


def _is_sqlalchemy(module: str) -> bool:
    return module.split(".")[0] == "sqlalchemy"


def _words(annotation: ast.expr) -> set[str]:
    """The identifiers an annotation names (also inside a quoted annotation)."""
    words = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
    words |= {n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)}
    for n in ast.walk(annotation):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            words |= {w for w in n.value.replace("[", " ").replace("]", " ").split()}
            words |= {w.rsplit(".", 1)[-1] for w in set(words)}
    return words


def _code_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if not NOT_CODE & set(p.relative_to(SRC).parts)]


@cache
def _found() -> dict[str, Found]:
    return {
        p.relative_to(SRC).as_posix(): find(p.read_text(encoding="utf-8")) for p in _code_files()
    }


def test_the_checker_finds_queries_and_commits_and_not_their_look_alikes() -> None:
    found = find(
        "from sqlalchemy import select as pick, update\n"
        "import sqlalchemy as sa\n"
        "async def f(s: AsyncSession, db_session, work, cache, conn) -> None:\n"
        "    await s.execute(pick(User))\n"
        "    await db_session.scalars(sa.select(User))\n"
        "    await work.session.get(User, 1)\n"
        "    await s.delete(row)\n"
        "    update(User)\n"
        "    await db_session.commit()\n"
        "    await work.session.rollback()\n"
        "    conn.commit()\n"
        "    cache.get('k'); conn.execute('PRAGMA x'); d.update(a=1); s.add(row); s.flush()\n"
        "    '''session.execute(select(User))'''  # session.commit()\n"
    )
    assert sorted(int(q.split(":")[0]) for q in found.queries) == [4, 4, 5, 5, 6, 7, 8]
    assert sorted(int(c.split(":")[0]) for c in found.lifecycle) == [9, 10, 11]


def test_every_query_is_in_a_repository() -> None:
    outside = {
        name: f.queries
        for name, f in _found().items()
        if f.queries and Path(name).name != "repository.py"
        if name not in LIFECYCLE_HELPERS | NOT_YET_MOVED.keys()
    }
    assert outside == {}
    moved = {name for name in NOT_YET_MOVED if not find((SRC / name).read_text()).queries}
    assert moved == set(), "moved: drop it from NOT_YET_MOVED"


# Code that runs inside the sandbox, on the graded program's own sqlite3 database (the
# performance challenges' served connection), never on Viva's.
SANDBOX_SIDE = "grading/runtime/"


def test_only_the_unit_of_work_commits() -> None:
    committing = {
        name: f.lifecycle
        for name, f in _found().items()
        if f.lifecycle and name not in LIFECYCLE_HELPERS
        if not name.startswith(SANDBOX_SIDE)
    }
    assert committing == {}
    assert all(_found()[name].lifecycle for name in LIFECYCLE_HELPERS), "stale allow-list entry"


def test_no_module_of_code_is_over_400_lines() -> None:
    long = {
        name: n
        for p in _code_files()
        if (name := p.relative_to(SRC).as_posix()) not in DATA_TABLES | NOT_YET_SPLIT
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
    still_long = {
        name for name in NOT_YET_SPLIT if len((SRC / name).read_text().splitlines()) > 400
    }
    assert still_long == NOT_YET_SPLIT, "split: drop it from NOT_YET_SPLIT"


# A package's __init__ is its public face and may gather its modules' names; a plain module
# re-exports nothing. Re-exporting modules still being removed: module -> owner.
SHIMS_BEING_REMOVED: dict[str, str] = {}
ROOT = SRC.parents[1]


@cache
def _module_file(module: str) -> Path | None:
    path = SRC.parent.joinpath(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@cache
def _defined_and_imported(path: Path) -> tuple[set[str], set[str]]:
    """The names a module binds at its top level itself, and those it binds by importing."""
    defined: set[str] = set()
    imported: set[str] = set()

    def scan(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                defined.update(
                    n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)
                )
            elif isinstance(node, ast.Import | ast.ImportFrom):
                imported.update(a.asname or a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.If | ast.Try):
                scan(node.body)
                scan(node.orelse)
                for handler in getattr(node, "handlers", []):
                    scan(handler.body)

    scan(ast.parse(path.read_text(encoding="utf-8")).body)
    return defined, imported - defined


def _re_exported_uses(path: Path) -> list[str]:
    """Where this file takes a name from a viva module that only imported it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local alias -> viva module
    uses: list[tuple[int, str, str]] = []  # line, module, name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "viva":
                continue
            for alias in node.names:
                if _module_file(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                else:
                    uses.append((node.lineno, node.module, alias.name))
        elif isinstance(node, ast.Import):
            modules |= {a.asname: a.name for a in node.names if a.asname and "viva" in a.name}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        if (module := modules.get(node.value.id)) and not _module_file(f"{module}.{node.attr}"):
            uses.append((node.lineno, module, node.attr))
    found = []
    for line, module, name in sorted(set(uses)):
        target = _module_file(module)
        if target is None or target.name == "__init__.py" or module in SHIMS_BEING_REMOVED:
            continue
        if name in _defined_and_imported(target)[1]:
            found.append(f"{path.relative_to(ROOT).as_posix()}:{line}: {module}.{name}")
    return found


def test_names_are_imported_from_the_module_that_defines_them() -> None:
    files = [
        p
        for folder in ("src/viva", "tests", "bench", "scripts")
        for p in (ROOT / folder).rglob("*.py")
        if not NOT_CODE & set(p.parts)
    ]
    assert [use for p in files for use in _re_exported_uses(p)] == []
    assert all(_module_file(m) for m in SHIMS_BEING_REMOVED), "removed: drop it from the list"

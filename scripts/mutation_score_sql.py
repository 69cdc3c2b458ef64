"""Mutation score of the SQL challenges: how many wrong variants of each reference the hidden
datasets reject.

Mutants are made with sqlglot from the reference (``SqlChallenge.solution(dialect)``), one
small change each (RANK <-> DENSE_RANK <-> ROW_NUMBER, DISTINCT dropped or added, ORDER BY
terms dropped, flipped or replaced, LIMIT instead of a rank filter, join kinds, NULL handling,
comparison and aggregate swaps, conjuncts and GROUP BY columns dropped, UNION <-> UNION ALL,
window frames, off-by-one constants...), rendered for each dialect, de-duplicated, and those
that do not compile on the challenge's schema are dropped. Every other mutant is graded by
Viva's own grader (``grade_sql``) on every dataset: killed when it is not Accepted. Survivors
judged equivalent (correct answers, or the same result on every input the prompt allows) are
listed with their reason in the challenge's ``equivalent-mutants.yaml``.

    .venv/bin/python scripts/mutation_score_sql.py [slug ...] [--dialect sqlite] [-v]

PostgreSQL is graded on a database of its own (``--postgres-url``, default
postgresql://postgres@127.0.0.1:5432/viva_mutsql, created when missing); ``--no-postgres``
skips it. Exit status 1 when a challenge scores below ``--min`` (0.9).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlglot
import yaml
from sqlglot import exp

from viva.grading.challenges import CHALLENGES_DIR
from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql
from viva.grading.sql.postgres_engine import PostgresEngine

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/viva_mutsql"
EQUIVALENT_FILE = "equivalent-mutants.yaml"
Apply = Callable[[], exp.Expr | None]  # performs the change; returns a new node if replaced
Mutation = tuple[str, Apply]


# --- mutation operators ---------------------------------------------------------------------


@dataclass
class Names:
    """Column names for replacements: the schema's, its nullable ones, the reference's aliases."""

    columns: list[str]
    nullable: set[str]
    aliases: list[str]

    @property
    def all(self) -> list[str]:
        return list(dict.fromkeys(self.columns + self.aliases))


def _g(node: exp.Expr) -> str:
    """A node as text in sqlglot's own dialect: the same words for both engines."""
    return node.sql(comments=False)


def _term(node: exp.Ordered) -> str:
    """An ORDER BY term without its NULLS FIRST/LAST, which sqlglot spells out per dialect."""
    return _g(node.this) + (" DESC" if node.args.get("desc") else "")


def _replace(node: exp.Expr, new: exp.Expr) -> Apply:
    def apply() -> exp.Expr:
        node.replace(new)
        return new

    return apply


def _set(node: exp.Expr, key: str, value: Any) -> Apply:
    def apply() -> None:
        node.set(key, value)

    return apply


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def _and(parts: list[exp.Expr]) -> exp.Expr | None:
    if not parts:
        return None
    result = parts[0]
    for part in parts[1:]:
        result = exp.And(this=result, expression=part)
    return result


RANKERS: dict[type[exp.Expr], str] = {
    exp.Rank: "RANK",
    exp.DenseRank: "DENSE_RANK",
    exp.RowNumber: "ROW_NUMBER",
}
AGGREGATES: list[type[exp.Func]] = [exp.Sum, exp.Avg, exp.Max, exp.Min, exp.Count]
COMPARISONS: dict[type[exp.Expr], list[type[exp.Binary]]] = {
    exp.LT: [exp.LTE, exp.GT],
    exp.LTE: [exp.LT, exp.GTE],
    exp.GT: [exp.GTE, exp.LT],
    exp.GTE: [exp.GT, exp.LTE],
    exp.EQ: [exp.NEQ, exp.NullSafeEQ],
    exp.NEQ: [exp.EQ],
}
ARITHMETIC: dict[type[exp.Expr], list[type[exp.Binary]]] = {
    exp.Add: [exp.Sub],
    exp.Sub: [exp.Add],
    exp.Mul: [exp.Add, exp.Div],
    exp.Div: [exp.Mul],
}
UNWRAPPED = (exp.Lower, exp.Upper, exp.Trim, exp.Coalesce, exp.Abs, exp.Round)
JOIN_KINDS = {"INNER": (None, None), "LEFT": ("LEFT", None), "RIGHT": ("RIGHT", None)}
JOIN_KINDS["FULL"] = ("FULL", None)


def _ranker(node: exp.Expr) -> Iterator[Mutation]:
    for kind, name in RANKERS.items():
        if not isinstance(node, kind):
            yield f"{_g(node)} -> {name}()", _replace(node, kind())


def _distinct(node: exp.Select) -> Iterator[Mutation]:
    if node.args.get("distinct"):
        yield "drop DISTINCT", _set(node, "distinct", None)
    elif node.parent is None or (isinstance(node.parent, exp.Union) and node.parent.parent is None):
        yield "add DISTINCT", _set(node, "distinct", exp.Distinct())


def _ordered(node: exp.Ordered, names: Names) -> Iterator[Mutation]:
    parent = node.parent
    index = isinstance(parent, exp.IndexParameters)
    siblings: list[Any] = (
        ((parent.args.get("columns") or []) if index else parent.expressions) if parent else []
    )
    what = "index column" if index else "ORDER BY"
    if len(siblings) > 1:
        yield f"drop {what} term {_term(node)}", node.pop
        i = siblings.index(node)
        if i + 1 < len(siblings):

            def swap(i: int = i, siblings: list[Any] = siblings) -> None:
                siblings[i], siblings[i + 1] = siblings[i + 1], siblings[i]

            yield f"swap {what} terms {_term(node)}, {_term(siblings[i + 1])}", swap
    elif isinstance(parent, exp.Order):
        yield f"drop ORDER BY {_term(node)}", parent.pop

    def flip() -> None:
        # NULLs keep their place relative to the values: the engine's default for the new way
        node.set("desc", not node.args.get("desc"))
        node.set("nulls_first", not node.args.get("nulls_first"))

    yield f"flip {_term(node)}", flip
    column = node.this
    if index and isinstance(column, exp.Column):
        lowered = exp.Lower(this=column.copy())
        yield f"index column {_g(column)} -> {_g(lowered)}", _replace(column, lowered)
    if isinstance(column, exp.Column):
        for name in names.all:
            if name != column.name:
                new = exp.column(name, table=column.table or None)
                yield f"{what} {_g(column)} -> {_g(new)}", _replace(column, new)


def _rank_filter_to_limit(node: exp.Where) -> Iterator[Mutation]:
    select = node.parent
    if not isinstance(select, exp.Select):
        return
    parts = _conjuncts(node.this)
    for part in parts:
        if not isinstance(part, exp.LT | exp.LTE | exp.EQ):
            continue
        if not isinstance(part.this, exp.Column) or not isinstance(part.expression, exp.Literal):
            continue
        if part.expression.is_string or not part.expression.is_int:
            continue
        n = int(part.expression.name)
        limit, offset = {exp.LT: (n - 1, 0), exp.LTE: (n, 0)}.get(type(part), (1, n - 1))
        if limit < 1:
            continue
        rest = [p for p in parts if p is not part]

        def apply(
            select: exp.Select = select,
            rest: list[exp.Expr] = rest,
            limit: int = limit,
            offset: int = offset,
        ) -> None:
            condition = _and([p.copy() for p in rest])
            select.set("where", exp.Where(this=condition) if condition else None)
            select.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
            if offset:
                select.set("offset", exp.Offset(expression=exp.Literal.number(offset)))

        yield f"LIMIT {limit} OFFSET {offset} instead of {_g(part)}", apply


def _join(node: exp.Join) -> Iterator[Mutation]:
    current = node.args.get("side")
    current = current.upper() if isinstance(current, str) else current
    for label, (side, kind) in JOIN_KINDS.items():
        if (current or None) == side:
            continue

        def apply(side: str | None = side, kind: str | None = kind) -> None:
            node.set("side", side)
            node.set("kind", kind)

        yield f"{current or 'INNER'} JOIN -> {label} JOIN", apply


def _not(node: exp.Not) -> Iterator[Mutation]:
    inner = node.this
    if isinstance(inner, exp.Is):
        yield f"{_g(node)} -> {_g(inner)}", _replace(node, inner.copy())
    if isinstance(inner, exp.Exists) and isinstance(inner.this, exp.Select):
        sub = inner.this
        where = sub.args.get("where")
        local = {t.alias_or_name for t in sub.find_all(exp.Table)}
        parts = _conjuncts(where.this) if where else []
        for part in parts:
            if not isinstance(part, exp.EQ):
                continue
            sides = [part.this, part.expression]
            inside = [s for s in sides if isinstance(s, exp.Column) and s.table in local]
            outside = [s for s in sides if isinstance(s, exp.Column) and s.table not in local]
            if len(inside) != 1 or len(outside) != 1:
                continue
            select = sub.copy()
            select.set("expressions", [inside[0].copy()])
            rest = _and([p.copy() for p in parts if p is not part])
            select.set("where", exp.Where(this=rest) if rest else None)
            new = exp.Not(this=exp.In(this=outside[0].copy(), query=exp.Subquery(this=select)))
            yield "NOT EXISTS -> NOT IN", _replace(node, new)


def _is(node: exp.Is) -> Iterator[Mutation]:
    if isinstance(node.parent, exp.Not):
        return  # handled as NOT (x IS NULL)
    if node.args.get("negate"):
        yield f"{_g(node)} -> IS NULL", _set(node, "negate", None)
    else:
        yield f"{_g(node)} -> IS NOT NULL", _replace(node, exp.Not(this=node.copy()))


def _binary(
    node: exp.Binary, table: dict[type[exp.Expr], list[type[exp.Binary]]]
) -> Iterator[Mutation]:
    if isinstance(node.parent, exp.Update) and isinstance(node, exp.EQ):
        return  # SET column = value is an assignment
    for kind in table.get(type(node), []):
        literal = any(isinstance(side, exp.Literal) for side in (node.this, node.expression))
        if kind is exp.NullSafeEQ and literal:
            continue  # `x IS NOT DISTINCT FROM 1` keeps the same rows as `x = 1`
        new = kind(this=node.this.copy(), expression=node.expression.copy())
        yield f"{_g(node)} -> {_g(new)}", _replace(node, new)


def _qualifiers(node: exp.Binary) -> Iterator[Mutation]:
    """`m.id = e.manager_id` -> `e.id = m.manager_id`: the two tables of a join swapped."""
    left, right = node.this, node.expression
    if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)):
        return
    if not left.table or not right.table or left.table == right.table:
        return
    new = type(node)(
        this=exp.column(left.name, table=right.table),
        expression=exp.column(right.name, table=left.table),
    )
    yield f"{_g(node)} -> {_g(new)}", _replace(node, new)


def _aggregate(node: exp.Func, names: Names) -> Iterator[Mutation]:
    arg = node.this
    if isinstance(node, exp.Count):
        if isinstance(arg, exp.Distinct):
            new = exp.Count(this=arg.expressions[0].copy())
            yield f"{_g(node)} -> {_g(new)}", _replace(node, new)
        elif isinstance(arg, exp.Star):
            select = node.find_ancestor(exp.Select)
            outer = select is not None and any(j.side for j in select.args.get("joins") or [])
            # COUNT(a NOT NULL column) is COUNT(*) unless an outer join pads rows with NULLs
            for name in names.columns if outer else sorted(names.nullable):
                new = exp.Count(this=exp.column(name))
                yield f"COUNT(*) -> {_g(new)}", _replace(node, new)
        else:
            yield f"{_g(node)} -> COUNT(*)", _replace(node, exp.Count(this=exp.Star()))
            if arg is not None:
                new = exp.Count(this=exp.Distinct(expressions=[arg.copy()]))
                yield f"{_g(node)} -> {_g(new)}", _replace(node, new)
    if isinstance(arg, exp.Star | exp.Distinct) or arg is None:
        return
    for kind in AGGREGATES:
        if not isinstance(node, kind):
            other = kind(this=arg.copy())
            yield f"{_g(node)} -> {_g(other)}", _replace(node, other)


def _conjunct(node: exp.And) -> Iterator[Mutation]:
    yield f"drop conjunct {_g(node.expression)}", _replace(node, node.this.copy())
    yield f"drop conjunct {_g(node.this)}", _replace(node, node.expression.copy())


def _group(node: exp.Group) -> Iterator[Mutation]:
    if len(node.expressions) == 1:
        yield f"drop {_g(node)}", node.pop
        return
    for item in node.expressions:

        def apply(item: exp.Expr = item) -> None:
            item.pop()

        yield f"drop GROUP BY column {_g(item)}", apply


def _window(node: exp.Window) -> Iterator[Mutation]:
    partition = node.args.get("partition_by") or []
    if partition:
        yield "drop PARTITION BY", _set(node, "partition_by", None)
    spec = node.args.get("spec")
    if isinstance(spec, exp.WindowSpec):
        yield "drop the window frame", _set(node, "spec", None)
        other = "RANGE" if str(spec.args.get("kind")).upper() == "ROWS" else "ROWS"
        yield f"window frame {spec.args.get('kind')} -> {other}", _set(spec, "kind", other)
        if str(spec.args.get("start")).upper() == "UNBOUNDED":

            def one_preceding() -> None:
                assert isinstance(spec, exp.WindowSpec)
                spec.set("start", exp.Literal.number(1))

            yield "frame start UNBOUNDED PRECEDING -> 1 PRECEDING", one_preceding
        if str(spec.args.get("end")).upper() == "CURRENT ROW":

            def to_end() -> None:
                assert isinstance(spec, exp.WindowSpec)
                spec.set("end", "UNBOUNDED")
                spec.set("end_side", "FOLLOWING")

            yield "frame end CURRENT ROW -> UNBOUNDED FOLLOWING", to_end

            def to_previous() -> None:
                assert isinstance(spec, exp.WindowSpec)
                spec.set("end", exp.Literal.number(1))
                spec.set("end_side", "PRECEDING")

            yield "frame end CURRENT ROW -> 1 PRECEDING", to_previous
    elif node.args.get("order") is not None and isinstance(node.this, tuple(AGGREGATES)):
        frame = exp.WindowSpec(
            kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"
        )
        yield "add ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", _set(node, "spec", frame)


def _literal(node: exp.Literal) -> Iterator[Mutation]:
    select = node.parent
    if node.is_string or (isinstance(select, exp.Select) and isinstance(select.parent, exp.Exists)):
        return  # EXISTS (SELECT 1 ...) does not look at its select list
    text = node.name
    decimals = len(text.split(".")[1]) if "." in text else 0
    for delta in (1, -1):
        value = float(text) + delta
        new = exp.Literal.number(f"{value:.{decimals}f}" if decimals else str(int(value)))
        yield f"constant {text} -> {new.name}", _replace(node, new)


def _column(node: exp.Column, names: Names) -> Iterator[Mutation]:
    """Another column where rows are matched, grouped or partitioned."""
    context = node.find_ancestor(exp.Join, exp.Group, exp.Window, exp.Where, exp.Select)
    if isinstance(context, exp.Window) and node.parent is not context:
        return  # ORDER BY terms of a window are mutated as Ordered
    if isinstance(context, exp.Where):
        comparison = node.find_ancestor(exp.EQ)
        if comparison is None or not all(
            isinstance(s, exp.Column) for s in (comparison.this, comparison.expression)
        ):
            return  # only correlations such as o.customer_id = c.id
    elif not isinstance(context, exp.Join | exp.Group | exp.Window):
        return
    if node.find_ancestor(exp.Ordered) is not None:
        return
    for name in names.all:
        if name != node.name:
            new = exp.column(name, table=node.table or None)
            yield f"column {_g(node)} -> {_g(new)}", _replace(node, new)


def _unwrap(node: exp.Func) -> Iterator[Mutation]:
    yield f"{_g(node)} -> {_g(node.this)}", _replace(node, node.this.copy())


def _text(node: exp.Func) -> Iterator[Mutation]:
    """TRIM that trims one end only, LOWER <-> UPPER."""
    if isinstance(node, exp.Trim) and not node.args.get("position"):
        for position in ("LEADING", "TRAILING"):
            one_end = exp.Trim(this=node.this.copy(), position=position)
            yield f"{_g(node)} -> {_g(one_end)}", _replace(node, one_end)
    swapped = {exp.Lower: exp.Upper, exp.Upper: exp.Lower}.get(type(node))
    if swapped is not None:
        new = swapped(this=node.this.copy())
        yield f"{_g(node)} -> {_g(new)}", _replace(node, new)


def _counted(node: exp.Column, names: Names) -> Iterator[Mutation]:
    """Another column, or the same column of another table, inside an aggregate."""
    function = node.parent.parent if isinstance(node.parent, exp.Distinct) else node.parent
    if not isinstance(function, tuple(AGGREGATES)):
        return
    select = node.find_ancestor(exp.Select)
    tables = [t.alias_or_name for t in select.find_all(exp.Table)] if select else []
    for table in tables:
        if node.table and table != node.table:
            new = exp.column(node.name, table=table)
            yield f"aggregated {_g(node)} -> {_g(new)}", _replace(node, new)
    for name in names.columns:
        if name != node.name:
            new = exp.column(name, table=node.table or None)
            yield f"aggregated {_g(node)} -> {_g(new)}", _replace(node, new)


def _union(node: exp.Union) -> Iterator[Mutation]:
    distinct = bool(node.args.get("distinct"))
    yield (
        f"UNION{'' if distinct else ' ALL'} -> UNION{' ALL' if distinct else ''}",
        _set(node, "distinct", not distinct),
    )
    both = {"this": node.this.copy(), "expression": node.expression.copy()}
    yield "UNION -> INTERSECT", _replace(node, exp.Intersect(**both, distinct=True))
    for which, side in (("first", node.this), ("second", node.expression)):
        yield f"only the {which} UNION branch", _replace(node, side.copy())


def _create(node: exp.Create) -> Iterator[Mutation]:
    if node.kind == "INDEX":
        yield "UNIQUE index", _set(node, "unique", not node.args.get("unique"))


def mutations(node: exp.Expr, names: Names) -> Iterator[Mutation]:
    if type(node) in RANKERS:
        yield from _ranker(node)
    if isinstance(node, exp.Select):
        yield from _distinct(node)
    if isinstance(node, exp.Ordered):
        yield from _ordered(node, names)
    if isinstance(node, exp.Where):
        yield from _rank_filter_to_limit(node)
        yield f"drop WHERE {_g(node.this)}", node.pop
    if isinstance(node, exp.Having):
        yield f"drop HAVING {_g(node.this)}", node.pop
    if isinstance(node, exp.Join):
        yield from _join(node)
    if isinstance(node, exp.Not):
        yield from _not(node)
    if isinstance(node, exp.Is):
        yield from _is(node)
    if isinstance(node, exp.Binary):
        yield from _binary(node, COMPARISONS)
        yield from _binary(node, ARITHMETIC)
        if type(node) in COMPARISONS:
            yield from _qualifiers(node)
    if isinstance(node, exp.Func) and isinstance(node, tuple(AGGREGATES)):
        yield from _aggregate(node, names)
    if isinstance(node, exp.And):
        yield from _conjunct(node)
    if isinstance(node, exp.Group):
        yield from _group(node)
    if isinstance(node, exp.Window):
        yield from _window(node)
    if isinstance(node, exp.Literal):
        yield from _literal(node)
    if isinstance(node, exp.Column):
        yield from _column(node, names)
        yield from _counted(node, names)
    if isinstance(node, exp.Trim | exp.Lower | exp.Upper):
        yield from _text(node)
    if isinstance(node, UNWRAPPED):
        yield from _unwrap(node)
    if isinstance(node, exp.Union):
        yield from _union(node)
    if isinstance(node, exp.Create):
        yield from _create(node)


@dataclass
class Mutant:
    description: str
    statements: list[str]

    @property
    def sql(self) -> str:
        return ";\n".join(self.statements) + ";"


def _render(statements: list[exp.Expr], dialect: str) -> list[str]:
    return [s.sql(dialect=dialect, comments=False) for s in statements]


def _names(challenge: SqlChallenge, statements: list[exp.Expr]) -> Names:
    names = Names([], set(), [])
    not_null = (exp.NotNullColumnConstraint, exp.PrimaryKeyColumnConstraint)
    for statement in sqlglot.parse(challenge.schema, read="sqlite"):
        if isinstance(statement, exp.Create) and isinstance(statement.this, exp.Schema):
            for column in statement.this.expressions:
                if isinstance(column, exp.ColumnDef):
                    names.columns.append(column.name)
                    kinds = [c.args.get("kind") for c in column.constraints]
                    if not any(isinstance(k, not_null) for k in kinds):
                        names.nullable.add(column.name)
    for statement in statements:
        names.aliases += [a.alias for a in statement.find_all(exp.Alias) if a.alias]
    return names


def generate(challenge: SqlChallenge, dialect: str) -> tuple[Mutant, list[Mutant]]:
    """The reference as sqlglot renders it, and its mutants (unique, none equal to it)."""
    read = "postgres" if dialect == "postgres" else "sqlite"
    original = [s for s in sqlglot.parse(challenge.solution(dialect), read=read) if s is not None]
    names = _names(challenge, original)
    baseline = Mutant("the reference", _render(original, read))
    seen = {baseline.sql}
    found: list[Mutant] = []
    counts: dict[str, int] = {}

    def add(description: str, statements: list[exp.Expr]) -> None:
        try:
            mutant = Mutant(description, _render(statements, read))
        except sqlglot.errors.SqlglotError:
            return
        if mutant.sql in seen:
            return
        seen.add(mutant.sql)
        counts[description] = counts.get(description, 0) + 1
        if counts[description] > 1:
            mutant.description += f" #{counts[description]}"
        found.append(mutant)

    # Statement-level mutants of scripts: a statement dropped, two swapped, COMMIT -> ROLLBACK.
    if len(original) > 1:
        for i, statement in enumerate(original):
            rest = [s.copy() for j, s in enumerate(original) if j != i]
            add(f"drop statement {i + 1} ({_g(statement)[:40]})", rest)
            if i + 1 < len(original):
                swapped = [s.copy() for s in original]
                swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
                add(f"swap statements {i + 1} and {i + 2}", swapped)
            if isinstance(statement, exp.Commit):
                rolled = [s.copy() for s in original]
                rolled[i] = exp.Rollback()
                add(f"statement {i + 1}: COMMIT -> ROLLBACK", rolled)
    for i, statement in enumerate(original):
        nodes = list(statement.walk())
        for n, node in enumerate(nodes):
            for k, (description, _) in enumerate(mutations(node, names)):
                copies = [s.copy() for s in original]
                target = list(copies[i].walk())[n]
                _, apply = list(mutations(target, names))[k]
                try:
                    replaced = apply()
                except (ValueError, AttributeError, IndexError):
                    continue
                if target is copies[i] and replaced is not None:
                    copies[i] = replaced
                add(description, copies)
    return baseline, found


# --- compiling and grading --------------------------------------------------------------------


def compiles_on_sqlite(challenge: SqlChallenge, statements: list[str]) -> str | None:
    """None when every statement compiles against the schema (nothing runs), else the error."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(challenge.schema)
        for statement in statements:
            if statement.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "END")):
                continue
            conn.execute("EXPLAIN " + statement)
        return None
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()


async def compiles_on_postgres(
    conn: asyncpg.Connection, challenge: SqlChallenge, statements: list[str]
) -> str | None:
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute("CREATE SCHEMA mutsql_compile; SET LOCAL search_path TO mutsql_compile")
        await conn.execute(challenge.schema)
        for statement in statements:
            if statement.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "END")):
                continue
            if statement.upper().startswith("CREATE"):
                await conn.execute(statement)
            else:
                await conn.prepare(statement)
        return None
    except asyncpg.PostgresError as exc:
        return str(exc)
    finally:
        await transaction.rollback()


async def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def load_equivalents(challenge: SqlChallenge) -> dict[tuple[str, str], str]:
    path = CHALLENGES_DIR / challenge.slug / EQUIVALENT_FILE
    if not path.is_file():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    listed: dict[tuple[str, str], str] = {}
    for entry in entries:
        for dialect in entry.get("dialects") or challenge.meta.dialects:
            listed[(dialect, entry["mutant"])] = entry["reason"]
    return listed


@dataclass
class Score:
    slug: str
    dialect: str
    invalid: int = 0
    killed: list[Mutant] = field(default_factory=list)
    survived: list[Mutant] = field(default_factory=list)
    equivalent: list[tuple[Mutant, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived) + len(self.equivalent)

    @property
    def score(self) -> float:
        live = len(self.killed) + len(self.survived)
        return len(self.killed) / live if live else 1.0


async def score_challenge(
    engines: SqlEngines,
    pg_conn: asyncpg.Connection | None,
    challenge: SqlChallenge,
    dialect: str,
) -> Score:
    result = Score(challenge.slug, dialect)
    reference = await grade_sql(
        engines, challenge, challenge.solution(dialect), dialect, visible_only=False
    )
    if reference.verdict != Verdict.ACCEPTED:
        raise SystemExit(f"{challenge.slug} {dialect}: the reference is {reference.verdict}")
    baseline, mutants = generate(challenge, dialect)
    rendered = await grade_sql(engines, challenge, baseline.sql, dialect, visible_only=False)
    if rendered.verdict != Verdict.ACCEPTED:
        raise SystemExit(f"{challenge.slug} {dialect}: sqlglot's rendering is {rendered.verdict}")
    listed = load_equivalents(challenge)
    used: set[str] = set()
    for mutant in mutants:
        if dialect == "sqlite":
            error = compiles_on_sqlite(challenge, mutant.statements)
        else:
            assert pg_conn is not None
            error = await compiles_on_postgres(pg_conn, challenge, mutant.statements)
        if error is not None:
            result.invalid += 1
            continue
        grade = await grade_sql(engines, challenge, mutant.sql, dialect, visible_only=False)
        if grade.verdict != Verdict.ACCEPTED:
            result.killed.append(mutant)
        elif (dialect, mutant.description) in listed:
            used.add(mutant.description)
            result.equivalent.append((mutant, listed[(dialect, mutant.description)]))
        else:
            result.survived.append(mutant)
    result.stale = sorted({m for d, m in listed if d == dialect} - used)
    return result


def report(score: Score, verbose: bool, killed: bool = False) -> None:
    print(
        f"{score.slug:38} {score.dialect:8} mutants {score.total:3}  killed {len(score.killed):3}"
        f"  survived {len(score.survived):2}  equivalent {len(score.equivalent):2}"
        f"  score {score.score:6.1%}  (did not compile: {score.invalid})"
    )
    for mutant in score.killed if killed else []:
        print(f"    killed  {mutant.description}")
        if verbose:
            print("      " + mutant.sql.replace("\n", "\n      "))
    for mutant in score.survived:
        print(f"    SURVIVED  {mutant.description}")
        if verbose:
            print("      " + mutant.sql.replace("\n", "\n      "))
    for mutant, reason in score.equivalent:
        print(f"    equivalent  {mutant.description}: {reason}")
        if verbose:
            print("      " + mutant.sql.replace("\n", "\n      "))
    for description in score.stale:
        print(f"    STALE entry in {EQUIVALENT_FILE} (killed or not generated): {description}")


async def score_all(
    slugs: Sequence[str],
    *,
    dialect: str | None = None,
    postgres_url: str | None = DEFAULT_POSTGRES,
    on_score: Callable[[Score], None] | None = None,
) -> list[Score]:
    """Scores per SQL challenge and dialect (slugs that are not SQL challenges are skipped);
    PostgreSQL is left out when `postgres_url` is None."""
    challenges = load_sql_challenges()
    if slugs:
        challenges = {s: c for s, c in challenges.items() if s in slugs}
    use_postgres = postgres_url is not None and dialect != "sqlite"
    postgres = None
    pg_conn = None
    if use_postgres:
        assert postgres_url is not None
        await ensure_database(postgres_url)
        postgres = PostgresEngine(postgres_url)
        pg_conn = await asyncpg.connect(postgres_url)
    engines = SqlEngines(postgres)
    scores: list[Score] = []
    try:
        for _, challenge in sorted(challenges.items()):
            for graded in challenge.meta.dialects:
                if (dialect and graded != dialect) or (graded == "postgres" and not use_postgres):
                    continue
                score = await score_challenge(engines, pg_conn, challenge, graded)
                if on_score is not None:
                    on_score(score)
                scores.append(score)
    finally:
        await engines.close()
        if pg_conn is not None:
            await pg_conn.close()
    return scores


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("slugs", nargs="*")
    parser.add_argument("--dialect", choices=["sqlite", "postgres"])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--min", type=float, default=0.9)
    parser.add_argument("-v", "--verbose", action="store_true", help="print the mutants' SQL")
    parser.add_argument("--killed", action="store_true", help="list the killed mutants too")
    args = parser.parse_args(argv)
    unknown = set(args.slugs) - set(load_sql_challenges())
    if unknown:
        parser.error(f"not SQL challenges: {', '.join(sorted(unknown))}")
    scores = await score_all(
        args.slugs,
        dialect=args.dialect,
        postgres_url=None if args.no_postgres else args.postgres_url,
        on_score=lambda score: report(score, args.verbose, args.killed),
    )
    low = [s for s in scores if s.score < args.min]
    print(
        f"{len(scores)} challenge/dialect pairs, {sum(s.total for s in scores)} mutants, "
        f"lowest score {min((s.score for s in scores), default=1.0):.1%}; "
        f"{len(low)} below {args.min:.0%}"
    )
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))

"""What a candidate sees of a challenge: its summary, and its detail with the visible
examples described as code (and, for SQL, the tables and their example rows)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from viva.grading.challenges import Challenge, TestCase
from viva.grading.mutants import MutantChallenge
from viva.grading.schemas import ChallengeDetail, ChallengeSummary, Example
from viva.grading.sql.challenges import Dataset, SqlChallenge
from viva.grading.sql.compare import display
from viva.grading.sql.grading import MODES
from viva.grading.sql.sqlite_engine import run_sqlite


def summary(c: Challenge) -> ChallengeSummary:
    m = c.meta
    return ChallengeSummary(
        slug=c.slug,
        title=m.title,
        seed_question=m.seed_question,
        kind=m.kind,
        difficulty=m.difficulty,
        tags=m.tags,
    )


def sql_summary(c: SqlChallenge) -> ChallengeSummary:
    m = c.meta
    return ChallengeSummary(
        slug=c.slug,
        title=m.title,
        seed_question=m.seed_question,
        kind="sql",
        difficulty=m.difficulty,
        tags=m.tags,
    )


def mutant_summary(c: MutantChallenge) -> ChallengeSummary:
    m = c.meta
    return ChallengeSummary(
        slug=c.slug,
        title=m.title,
        seed_question=m.seed_question,
        kind="tests",
        difficulty=m.difficulty,
        tags=m.tags,
    )


def mutant_detail(c: MutantChallenge) -> ChallengeDetail:
    """The module under test is shown; the mutants only counted (never their code)."""
    return ChallengeDetail(
        **mutant_summary(c).model_dump(),
        prompt=c.prompt,
        starter=c.starter,
        examples=[],
        hidden_tests=len(c.mutants),
        limits=c.meta.limits.model_dump(),
        module_name=c.meta.module,
        module_source=c.module,
        threshold=c.meta.threshold,
    )


def detail(challenge: Challenge | SqlChallenge | MutantChallenge) -> ChallengeDetail:
    """Blocking for a SQL challenge (it runs the reference on the example data in SQLite)."""
    if isinstance(challenge, SqlChallenge):
        return sql_detail(challenge)
    if isinstance(challenge, MutantChallenge):
        return mutant_detail(challenge)
    c = challenge
    examples = [
        Example(name=t.name, input=describe(t)[0], expected=describe(t)[1]) for t in c.visible
    ]
    return ChallengeDetail(
        **summary(c).model_dump(),
        prompt=c.prompt,
        starter=c.starter,
        examples=examples,
        hidden_tests=len(c.tests) - len(c.visible),
        limits=c.meta.limits.model_dump(),
    )


def sql_detail(c: SqlChallenge) -> ChallengeDetail:
    example = c.visible[0]
    mode = MODES[c.meta.check]
    reference = (
        run_sqlite(c, example, c.solution("sqlite"), mode=mode, trusted=True)
        if ("sqlite" in c.meta.dialects)
        else None
    )
    examples = []
    if reference is not None:
        what = {
            "rows": "the query's result",
            "plan": f"the result of `{c.meta.plan.query if c.meta.plan else ''}`",
            "atomic": "the final state",
        }[c.meta.check]
        examples.append(
            Example(
                name=f"On the example data, {what}",
                input="",
                expected={
                    "columns": reference.columns,
                    "rows": [[display(v) for v in r] for r in reference.rows[:50]],
                },
            )
        )
    return ChallengeDetail(
        **sql_summary(c).model_dump(),
        prompt=c.prompt,
        starter=c.starter,
        examples=examples,
        hidden_tests=len(c.datasets) - len(c.visible),
        limits={"timeout_ms": float(c.meta.limits.timeout_ms)},
        dialects=list(c.meta.dialects),
        schema_sql=c.schema,
        sample_rows=sample_rows(c, example),
    )


def sample_rows(c: SqlChallenge, dataset: Dataset) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(c.schema + "\n" + dataset.sql)
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
        ]
        out = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" LIMIT 8')  # noqa: S608  (our own table)
            out[table] = {
                "columns": [d[0] for d in cursor.description],
                "rows": [[display(v) for v in r] for r in cursor.fetchall()],
            }
        return out
    finally:
        conn.close()


def describe(test: TestCase) -> tuple[str, Any]:
    """A visible test as the candidate reads it: the code it runs and what it expects."""
    if test.kind == "call":
        args = [json.dumps(a, ensure_ascii=False) for a in test.args]
        args += [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in test.kwargs.items()]
        expected = {"raises": test.raises} if test.raises else test.expected
        return f"{test.call}({', '.join(args)})", expected
    if test.kind == "script":
        lines = [test.setup.rstrip()] if test.setup else []
        expected = []
        for step in test.steps:
            lines.append(step.exec if step.exec is not None else f">>> {step.eval}")
            if step.eval is not None:
                expected.append({"raises": step.raises} if step.raises else step.expected)
        return "\n".join(lines), expected
    lines, expected = [], []
    for req in test.requests:
        body = f" json={json.dumps(req.json_)}" if req.json_ is not None else ""
        lines.append(f"{req.method} {req.url}{body}")
        want = req.expect.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
        expected.append(want | {"status": req.expect.status})
    return "\n".join(lines), expected

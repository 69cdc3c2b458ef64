"""Every SQL challenge: the reference is Accepted on each dialect it claims; the starter and a
deliberately wrong solution are not; over the API too."""

from __future__ import annotations

import httpx
import pytest

from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql

CHALLENGES = load_sql_challenges()
CASES = [
    pytest.param(slug, dialect, id=f"{slug}-{dialect}")
    for slug, c in sorted(CHALLENGES.items())
    for dialect in c.meta.dialects
]


def test_at_least_12_sql_challenges_cover_the_seed() -> None:
    assert len(CHALLENGES) >= 12
    seeds = {c.meta.seed_question for c in CHALLENGES.values()}
    assert {22, 25, 27, 30} <= seeds


@pytest.mark.parametrize(("slug", "dialect"), CASES)
async def test_reference_accepted_wrong_and_starter_rejected(
    slug: str, dialect: str, sql_engines: SqlEngines
) -> None:
    challenge = CHALLENGES[slug]
    reference = await grade_sql(
        sql_engines, challenge, challenge.solution(dialect), dialect, visible_only=False
    )
    assert reference.verdict == Verdict.ACCEPTED, reference.message
    for label, sql in (("starter", challenge.starter), ("wrong", challenge.wrong)):
        result = await grade_sql(sql_engines, challenge, sql, dialect, visible_only=False)
        assert result.verdict != Verdict.ACCEPTED, label


async def test_sql_submission_over_the_api_shows_a_diff(client: httpx.AsyncClient) -> None:
    detail = (await client.get("/api/v1/challenges/sql-top-3-salaries")).json()
    assert detail["kind"] == "sql" and set(detail["dialects"]) == {"sqlite", "postgres"}
    assert "employees" in detail["sample_rows"] and detail["schema_sql"]
    wrong = CHALLENGES["sql-top-3-salaries"].wrong
    for dialect in ("sqlite", "postgres"):
        response = await client.post(
            "/api/v1/challenges/sql-top-3-salaries/submissions?wait=true",
            headers=client.candidate,
            json={"source": wrong, "dialect": dialect},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["dialect"] == dialect and body["verdict"] == "Wrong Answer"
        hidden = [t for t in body["tests"] if t["hidden"]]
        assert hidden and all(t["got"] is None for t in hidden)
    run = await client.post(
        "/api/v1/challenges/sql-top-3-salaries/run",
        headers=client.candidate,
        json={"source": "SELECT name FROM employees"},
    )
    assert run.status_code == 200, run.text
    visible = run.json()["tests"][0]
    assert visible["got"]["columns"] == ["name"] and "wrong columns" in visible["message"]
    bad = await client.post(
        "/api/v1/challenges/sql-top-3-salaries/run",
        headers=client.candidate,
        json={"source": "SELECT 1", "dialect": "mysql"},
    )
    assert bad.status_code == 422

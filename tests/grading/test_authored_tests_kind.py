"""Interviewers author test-writing challenges (kind `tests`) through the API and the form: the
reference tests must pass on the module and its rewrites and kill the threshold of the
mutants, in the real sandbox, before anything is stored; candidates are then graded by them."""

from __future__ import annotations

import uuid
from typing import Any

import yaml
from sqlalchemy import select

from tests.conftest import Client, make_user
from viva.db import Database
from viva.grading.models import AuthoredChallenge
from viva.settings import Settings

MODULE = """\
def clamp(x, low, high):
    if low > high:
        raise ValueError("low > high")
    return max(low, min(x, high))
"""
REWRITE = """\
def clamp(x, low, high):
    if high < low:
        raise ValueError("empty range")
    if x < low:
        return low
    return high if x > high else x
"""
MUTANTS = [
    {
        "id": "no-upper-bound",
        "description": "values above the range are not clamped",
        "source": MODULE.replace("min(x, high)", "x"),
    },
    {
        "id": "no-lower-bound",
        "description": "values below the range are not clamped",
        "source": MODULE.replace("max(low, min(x, high))", "min(x, high)"),
    },
    {
        "id": "empty-range-allowed",
        "description": "an empty range (low > high) is accepted",
        "source": MODULE.replace('        raise ValueError("low > high")', "        pass"),
    },
]
REFERENCE = """\
import pytest
from ranges import clamp


@pytest.mark.parametrize(("x", "expected"), [(5, 5), (-3, 0), (99, 10), (0, 0), (10, 10)])
def test_clamps(x, expected):
    assert clamp(x, 0, 10) == expected


def test_empty_range_is_refused():
    with pytest.raises(ValueError):
        clamp(1, 5, 2)
"""
UPPER_ONLY = """\
from ranges import clamp


def test_above():
    assert clamp(99, 0, 10) == 10
"""
STARTER = """\
import pytest
from ranges import clamp


def test_clamp():
    pytest.fail("write your tests")
"""


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": f"tests-clamp-{uuid.uuid4().hex[:6]}",
        "title": "Test a clamp function",
        "kind": "tests",
        "difficulty": "easy",
        "prompt": "Write pytest tests for `ranges.clamp(x, low, high)`.",
        "starter": STARTER,
        "solution": REFERENCE,
        "module": "ranges",
        "module_source": MODULE,
        "threshold": 1.0,
        "variants": [REWRITE],
        "mutants": MUTANTS,
    }
    return data | changes


async def test_an_interviewer_authors_a_tests_challenge_and_candidates_are_graded_by_its_mutants(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer = await make_user(database, settings, role="interviewer")
    data = body()
    assert (
        await client.post("/api/v1/challenges", json=data, headers=client.candidate)
    ).status_code == 403
    created = await client.post("/api/v1/challenges", json=data, headers=interviewer)
    assert created.status_code == 201, created.text
    detail = created.json()
    assert detail["kind"] == "tests" and detail["hidden_tests"] == 3
    assert detail["module_name"] == "ranges" and detail["module_source"] == MODULE
    assert MODULE.strip() in detail["prompt"]  # the candidate reads the module under test
    for hidden in ("empty range", "no-upper-bound", "if x < low", "pytest.raises(ValueError)"):
        assert hidden not in created.text  # no rewrite, mutant or reference test is shown
    listed = {c["slug"]: c["kind"] for c in (await client.get("/api/v1/challenges")).json()}
    assert listed[data["slug"]] == "tests"
    page = await client.get(f"/challenges/{data['slug']}")
    assert page.status_code == 200 and "3 hidden mutants" in page.text
    grades = []
    for source in (REFERENCE, UPPER_ONLY, "def test_nothing():\n    assert True\n"):
        graded = await client.post(
            f"/api/v1/challenges/{data['slug']}/submissions?wait=true",
            json={"source": source},
            headers=client.candidate,
        )
        g = graded.json()
        grades.append((g["verdict"], [t["name"] for t in g["tests"]]))
    assert grades[0][0] == "Accepted"
    assert sum(n.startswith("killed: ") for n in grades[0][1]) == 3
    assert grades[1][0] == "Wrong Answer"
    assert "killed: values above the range are not clamped" in grades[1][1]
    assert sum(n.startswith("survived: hidden mutant") for n in grades[1][1]) == 2
    assert grades[2][0] == "Wrong Answer"
    assert not any(n.startswith("killed: ") for n in grades[2][1])
    async with database.session() as session:
        row = (
            await session.scalars(
                select(AuthoredChallenge).where(AuthoredChallenge.slug == data["slug"])
            )
        ).one()
    assert row.meta["kind"] == "tests" and row.meta["threshold"] == 1.0
    assert [v.get("id") for v in row.tests if "id" in v] == [m["id"] for m in MUTANTS]


async def test_a_catalogue_that_only_reads_the_table_grades_the_stored_tests_challenge(
    client: Client, database: Database, settings: Settings
) -> None:
    from viva.grading.catalogue import Catalogue
    from viva.grading.mutants import MutantChallenge

    interviewer = await make_user(database, settings, role="interviewer")
    data = body()
    created = await client.post("/api/v1/challenges", json=data, headers=interviewer)
    assert created.status_code == 201, created.text
    fresh = Catalogue()  # another process: it knows the challenge only from its row
    async with database.session() as session:
        await fresh.ensure(session, slug=data["slug"])
    loaded = fresh.get(data["slug"])
    assert isinstance(loaded, MutantChallenge)
    assert [m.description for m in loaded.mutants] == [m["description"] for m in MUTANTS]
    assert loaded.variants == [REWRITE] and loaded.module == MODULE


async def test_bad_tests_challenges_are_refused_with_the_reason_and_nothing_is_stored(
    client: Client, database: Database, settings: Settings
) -> None:
    interviewer = await make_user(database, settings, role="interviewer")
    cases = {
        # the reference tests kill only 1 of 3 mutants: below the threshold
        "reference solution must be Accepted": body(solution=UPPER_ONLY),
        # the reference fails on the correct rewrite (it tests the message, not the behaviour)
        "fail on a correct module written differently": body(
            solution=REFERENCE.replace(
                "pytest.raises(ValueError)", "pytest.raises(ValueError, match='low > high')"
            )
        ),
        "starter already passes": body(starter=REFERENCE),
        "mutants: 3 to 20": body(mutants=MUTANTS[:2]),
        "is the module itself": body(mutants=[*MUTANTS[:2], {**MUTANTS[2], "source": MODULE}]),
        "variants: 1 to 5": body(variants=[]),
        "threshold": body(threshold=0),
        "module": body(module="Not A Name"),
        "built-in challenge": body(slug="tests-retry-decorator"),
    }
    for expected, data in cases.items():
        response = await client.post("/api/v1/challenges", json=data, headers=interviewer)
        assert response.status_code in (409, 422), (expected, response.text)
        assert expected in str(response.json()["detail"]), (expected, response.json())
    async with database.session() as session:
        assert (await session.scalars(select(AuthoredChallenge))).all() == []


async def test_the_authoring_form_takes_a_tests_challenge_as_one_yaml_mapping(
    client: Client, database: Database
) -> None:
    from tests.practice.test_pages import sign_in

    _, csrf = await sign_in(client, database, "interviewer")
    form = await client.get("/author/challenge")
    assert form.status_code == 200 and "<option >tests</option>" in form.text.replace(
        "<option>", "<option >"
    )
    data = body()
    fields = {k: data[k] for k in ("slug", "title", "kind", "difficulty", "prompt", "starter")}
    versions = {k: data[k] for k in ("module", "module_source", "threshold", "variants", "mutants")}
    as_list = await client.post(
        "/author/challenge",
        data=fields | {"solution": REFERENCE, "tests": "- {name: x}", "csrf_token": csrf},
    )
    assert as_list.status_code == 422 and "a YAML mapping with module" in as_list.text
    weak = await client.post(
        "/author/challenge",
        data=fields
        | {"solution": UPPER_ONLY, "tests": yaml.safe_dump(versions), "csrf_token": csrf},
    )
    assert weak.status_code == 422 and "must be Accepted" in weak.text
    assert "killed 1 of 3 mutants" in weak.text
    saved = await client.post(
        "/author/challenge",
        data=fields
        | {"solution": REFERENCE, "tests": yaml.safe_dump(versions), "csrf_token": csrf},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/challenges/{data['slug']}"
    page = await client.get(saved.headers["location"])
    assert page.status_code == 200 and "3 hidden mutants" in page.text

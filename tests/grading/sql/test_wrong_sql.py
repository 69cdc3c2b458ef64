"""Adversarial wrong solutions: every wrong*.sql in a SQL challenge's folder is refused on each
dialect the challenge is graded on, and the loader never mistakes them (or the list of
equivalent mutants) for part of the challenge."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from viva.grading.challenges import CHALLENGES_DIR
from viva.grading.judge.outcome import Verdict
from viva.grading.sql.challenges import load_sql_challenge, load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql

CHALLENGES = load_sql_challenges()
# Wrong solutions the grader still accepts, each with the reason; strict, so a fix shows up.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}
WRONG = [
    pytest.param(
        slug,
        path.name,
        dialect,
        id=f"{slug}-{path.stem}-{dialect}",
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[key])]
        if (key := (slug, path.name, dialect)) in KNOWN_GAPS
        else [],
    )
    for slug, challenge in sorted(CHALLENGES.items())
    for path in sorted((CHALLENGES_DIR / slug).glob("wrong*.sql"))
    for dialect in challenge.meta.dialects
]


def test_every_sql_challenge_has_adversarial_wrong_solutions() -> None:
    for slug in CHALLENGES:
        own = sorted((CHALLENGES_DIR / slug).glob("wrong-*.sql"))
        assert len(own) >= 2, f"{slug} has {len(own)} wrong-*.sql"


@pytest.mark.parametrize(("slug", "name", "dialect"), WRONG)
async def test_wrong_solution_is_not_accepted(
    slug: str, name: str, dialect: str, sql_engines: SqlEngines
) -> None:
    challenge = CHALLENGES[slug]
    sql = (CHALLENGES_DIR / slug / name).read_text(encoding="utf-8")
    grade = await grade_sql(sql_engines, challenge, sql, dialect, visible_only=False)
    assert grade.verdict != Verdict.ACCEPTED, f"{slug}/{name} Accepted on {dialect}"


def test_equivalent_mutant_lists_give_a_reason_for_each_mutant() -> None:
    for slug, challenge in CHALLENGES.items():
        path = CHALLENGES_DIR / slug / "equivalent-mutants.yaml"
        if not path.is_file():
            continue
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            assert set(entry) <= {"mutant", "reason", "dialects"}, (slug, entry)
            assert entry["mutant"] and entry["reason"], (slug, entry)
            assert set(entry.get("dialects") or []) <= set(challenge.meta.dialects), slug


def _mutation_script() -> ModuleType:
    path = Path(__file__).resolve().parents[3] / "scripts" / "mutation_score_sql.py"
    spec = importlib.util.spec_from_file_location("mutation_score_sql", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_mutation_script_makes_the_mutants_the_red_team_used() -> None:
    script = _mutation_script()
    _, mutants = script.generate(CHALLENGES["sql-top-3-salaries"], "sqlite")
    made = {m.description for m in mutants}
    assert {
        "DENSE_RANK() -> RANK()",
        "DENSE_RANK() -> ROW_NUMBER()",
        "LIMIT 3 OFFSET 0 instead of salary_rank <= 3",
        "drop ORDER BY term name",
        "ORDER BY name -> salary",
    } <= made
    _, mutants = script.generate(CHALLENGES["sql-running-total"], "postgres")
    assert "drop ORDER BY term id #2" in {m.description for m in mutants}  # the window's


def test_every_listed_equivalent_mutant_is_one_the_script_makes() -> None:
    script = _mutation_script()
    for slug, challenge in CHALLENGES.items():
        path = CHALLENGES_DIR / slug / "equivalent-mutants.yaml"
        if not path.is_file():
            continue
        made = {
            dialect: {m.description for m in script.generate(challenge, dialect)[1]}
            for dialect in challenge.meta.dialects
        }
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for dialect in entry.get("dialects") or challenge.meta.dialects:
                assert entry["mutant"] in made[dialect], (slug, dialect, entry["mutant"])


def test_loader_ignores_wrong_solutions_and_equivalent_mutants(tmp_path: Path) -> None:
    folder = tmp_path / "sql-top-3-salaries"
    shutil.copytree(CHALLENGES_DIR / "sql-top-3-salaries", folder)
    plain = tmp_path / "plain"
    shutil.copytree(folder, plain)
    for extra in [*plain.glob("wrong-*.sql"), plain / "equivalent-mutants.yaml"]:
        extra.unlink()
    (folder / "wrong-extra.sql").write_text("SELECT 1;\n", encoding="utf-8")
    loaded, reference = load_sql_challenge(folder), load_sql_challenge(plain)
    assert loaded.solutions == reference.solutions
    assert loaded.datasets == reference.datasets
    assert loaded.wrong == reference.wrong

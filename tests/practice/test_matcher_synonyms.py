"""Per-question synonyms: every shipped answer has them, they are checked on load, and the
checker reads an answer with and without them (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viva.bank.answers import ANSWERS_DIR, load_answers
from viva.practice.matcher import answer_synonyms, match_key_points
from viva.practice.matcher.tables import load_synonyms, synonym_problems


def test_every_shipped_answer_has_synonyms_and_none_is_refused() -> None:
    answers = load_answers()
    assert len(answers) == 100
    assert all(answer.synonyms for answer in answers.values())
    problems = {n: synonym_problems(a.key_points, a.synonyms) for n, a in answers.items()}
    assert {n: p for n, p in problems.items() if p} == {}
    assert len(load_synonyms()) == 100


@pytest.mark.parametrize(
    ("synonyms", "problem"),
    [
        ({"sharding": ["scale out"]}, "'sharding' is in no key point"),
        ({"every request": ["each call"]}, "'every request' has only vague words"),
        ({"random jitter": ["jitter"]}, "'jitter' only repeats its point's words"),
        ({"random jitter": ["jitter to TTLs"]}, "'jitter to TTLs' only repeats"),
        ({"random jitter": ["often"]}, "'often' has only vague words"),
    ],
)
def test_a_synonym_that_would_never_be_used_or_count_twice_is_refused(
    synonyms: dict[str, list[str]], problem: str
) -> None:
    points = ["Add random jitter to TTLs on every request"]
    assert any(problem in p for p in synonym_problems(points, synonyms))


def test_a_paraphrase_of_a_word_inside_an_identifier_is_kept() -> None:
    points = ["Custom rules with field_validator and model_validator"]
    assert synonym_problems(points, {"field_validator": ["validators"]}) == []


def test_an_answer_file_with_a_bad_synonym_is_refused_naming_it(tmp_path: Path) -> None:
    text = (ANSWERS_DIR / "065.md").read_text(encoding="utf-8")
    assert '"random jitter":' in text
    bad = text.replace('"random jitter": [', '"random jitter": ["jitter", ', 1)
    (tmp_path / "065.md").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=r"065\.md: synonyms: 'random jitter': 'jitter'"):
        load_synonyms(tmp_path)
    (tmp_path / "065.md").write_text(text, encoding="utf-8")
    assert len(load_synonyms(tmp_path)) == 1


POINT = "Scale and tune each service separately"
SYNONYMS = {"Scale and tune each service separately": ["right-size every component alone"]}


def test_a_paraphrase_of_the_question_covers_its_point() -> None:
    typed = "microservices let you right-size every component alone"
    assert not match_key_points(typed, [POINT])[0].covered
    (match,) = match_key_points(typed, [POINT], synonyms=SYNONYMS)
    assert match.covered and match.evidence == ("right-size every component alone",)


def test_a_point_covered_word_by_word_stays_covered_beside_a_phrase_synonym() -> None:
    # The phrase synonym makes the whole point one term, found whole or not at all.
    typed = "you can scale the busy service separately"
    assert match_key_points(typed, [POINT], synonyms=SYNONYMS)[0].covered


def test_a_phrase_synonym_contradicted_leaves_the_point_not_covered() -> None:
    point = "Never log secrets or personal data"
    synonyms = {"Never log secrets": ["no passwords in logs"]}
    typed = "it is fine to log passwords and secrets for debugging, log everything"
    assert not match_key_points(typed, [point], synonyms=synonyms)[0].covered


def test_the_issues_paraphrases_are_covered_with_the_shipped_synonyms() -> None:
    answers = load_answers()
    cases = [
        (13, 3, "you can add your own checks with validators"),
        (21, 6, "start with postgres unless there's a clear reason not to"),
        (39, 4, "it stops one failing service from taking down everything upstream"),
        (62, 1, "it means you don't hit the database every time"),
        (53, 3, "better not to run it as root"),
    ]
    for number, index, typed in cases:
        points = answers[number].key_points
        matches = match_key_points(typed, points, synonyms=answer_synonyms(points))
        assert matches[index].covered, (number, matches[index])

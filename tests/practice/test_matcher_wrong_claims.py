"""Wrong claims (an answer file's ``wrong_claims:``): a point misstated in the candidate's own
words is contradicted, not covered, and the feedback quotes the words (issue 22)."""

from __future__ import annotations

from pathlib import Path

import pytest

from viva.bank.answers import ANSWERS_DIR, load_answers
from viva.practice.matcher import answer_synonyms, match_key_points
from viva.practice.matcher.wrong import load_wrong_claims, wrong_claim_problems

POINTS = [
    "New connections are costly; PostgreSQL forks a backend process per connection",
    "Pool lends connections and takes them back instead of closing",
]
CLAIMS = {"New connections are costly": ["opening connections is basically free"]}


def _first(text: str, claims: dict[str, list[str]] | None = None) -> tuple[bool, str]:
    match = match_key_points(text, POINTS, wrong_claims=CLAIMS if claims is None else claims)[0]
    return match.covered, match.feedback


def test_a_wrong_claim_in_other_words_contradicts_the_point() -> None:
    typed = (
        "new connections cost a bit but opening connections is basically free, postgres forks "
        "a backend process for each connection anyway"
    )
    assert _first(typed, {})[0]  # the point's own words are there: without the hook, credited
    covered, feedback = _first(typed)
    assert not covered
    assert feedback == "you said the opposite: “opening connections is basically free”"


def test_a_wrong_claim_is_found_with_typos_and_other_word_forms() -> None:
    covered, feedback = _first("postgres forks, and opening a conection is basically free")
    assert not covered
    assert "opening a conection is basically free" in feedback


def test_a_negated_wrong_claim_is_no_contradiction() -> None:
    typed = (
        "new connections are costly, opening connections is not basically free: postgres forks "
        "a backend process per connection"
    )
    assert _first(typed) == (True, "")


def test_a_strong_answer_is_unaffected_by_the_shipped_wrong_claims() -> None:
    answer = load_answers()[29]
    assert answer.wrong_claims
    typed = (
        "opening a new connection is expensive, postgres forks a backend process per "
        "connection. the pool lends you a connection and takes it back instead of closing it"
    )
    points = answer.key_points
    matches = match_key_points(typed, points, synonyms=answer_synonyms(points))
    assert [m.covered for m in matches[:2]] == [True, True]
    assert not any(m.contradicted for m in matches)


def test_the_shipped_wrong_claims_are_used_by_default() -> None:
    points = load_answers()[29].key_points
    typed = "opening connections is basically free, postgres forks a backend process per connection"
    default = match_key_points(typed, points, synonyms=answer_synonyms(points))[0]
    assert not default.covered and default.contradicted
    none = match_key_points(typed, points, synonyms=answer_synonyms(points), wrong_claims={})[0]
    assert not none.contradicted


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"sharding": ["it is free"]}, "'sharding' is in no key point"),
        ({"New connections are costly": ["often"]}, "'often' has only vague words"),
    ],
)
def test_a_wrong_claim_that_would_never_be_used_or_fire_anywhere_is_refused(
    claims: dict[str, list[str]], problem: str
) -> None:
    assert any(problem in p for p in wrong_claim_problems(POINTS, claims))


def test_every_shipped_wrong_claim_loads() -> None:
    answers = load_answers()
    problems = {n: wrong_claim_problems(a.key_points, a.wrong_claims) for n, a in answers.items()}
    assert {n: p for n, p in problems.items() if p} == {}
    assert len(load_wrong_claims()) == sum(bool(a.wrong_claims) for a in answers.values())


def test_an_answer_file_with_a_bad_wrong_claim_is_refused_naming_it(tmp_path: Path) -> None:
    text = (ANSWERS_DIR / "029.md").read_text(encoding="utf-8")
    entry = '\n  "New connections are costly": ["opening'
    assert entry in text
    bad = text.replace(entry, '\n  "sharding": ["it is free"]' + entry, 1)
    (tmp_path / "029.md").write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=r"029\.md: wrong_claims: 'sharding' is in no key point"):
        load_wrong_claims(tmp_path)

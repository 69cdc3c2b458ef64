"""Model answers: all 100 present, complete, and every runnable code block runs."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from tests.content import blocks
from viva.bank.answers import AnswerFormatError, ModelAnswer, load_answers, parse_answer

ANSWERS = load_answers()
ROOT = Path(__file__).resolve().parents[2]
CHANGELOG = ROOT / "docs" / "answers-changelog.md"
PLACEHOLDER = re.compile(
    r"\b(TODO|TBD|FIXME|lorem ipsum|lorem)\b|^\s*\.\.\.\s*$|…\s*$", re.I | re.M
)
EXAMPLE_BLOCKS = [
    pytest.param(answer, i, id=f"q{number:03d}-block{i}-{blocks.classify(block)}")
    for number, answer in sorted(ANSWERS.items())
    for i, block in enumerate(answer.code_blocks, start=1)
]


def test_every_seed_question_has_a_model_answer() -> None:
    assert sorted(ANSWERS) == list(range(1, 101))


@pytest.mark.parametrize("number", sorted(ANSWERS), ids=lambda n: f"q{n:03d}")
def test_answer_has_every_section_at_the_right_size(number: int) -> None:
    answer = ANSWERS[number]
    assert 3 <= len(answer.key_points) <= 7
    assert all(len(p.split()) <= 25 for p in answer.key_points), "a key point is one concept"
    assert answer.pitfalls
    assert 2 <= len(answer.follow_ups) <= 4
    assert answer.references and all(r.startswith("https://") for r in answer.references)
    assert answer.tags
    words = len(re.sub(r"```.*?```", " ", answer.explanation, flags=re.S).split())
    assert words >= 120, f"explanation has {words} words of prose"


@pytest.mark.parametrize("number", sorted(ANSWERS), ids=lambda n: f"q{n:03d}")
def test_answer_has_no_placeholder_text(number: int) -> None:
    answer = ANSWERS[number]
    prose = "\n".join(
        [
            answer.summary,
            re.sub(r"```.*?```", " ", answer.explanation, flags=re.S),
            *answer.key_points,
            *answer.pitfalls,
            *answer.follow_ups,
        ]
    )
    assert not PLACEHOLDER.search(prose), PLACEHOLDER.search(prose)


def _test_functions(path: Path) -> set[str]:
    """Test names defined in a test file: `test_x` and `TestClass.test_x`."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return names


@pytest.mark.parametrize("number", sorted(ANSWERS), ids=lambda n: f"q{n:03d}")
def test_in_viva_pointers_resolve(number: int) -> None:
    for dotted in ANSWERS[number].in_viva:
        if not dotted.startswith(("viva.", "tests.")):  # a file: Makefile, tests/x.py::test_z
            path, _, name = dotted.partition("::")
            assert (ROOT / path).is_file(), f"{dotted}: no such file in the repository"
            if name:
                assert name in _test_functions(ROOT / path), f"{dotted}: no such test"
            continue
        module_name, _, attr = dotted, "", ""
        while True:
            try:
                target = importlib.import_module(module_name)
                break
            except ModuleNotFoundError:
                module_name, _, tail = module_name.rpartition(".")
                attr = f"{tail}.{attr}" if attr else tail
                assert module_name, f"{dotted} does not resolve"
        for part in filter(None, attr.split(".")):
            target = getattr(target, part)


def test_at_least_half_of_the_answers_point_at_viva_code() -> None:
    pointing = [n for n, answer in ANSWERS.items() if answer.in_viva]
    assert len(pointing) >= 50, f"only {len(pointing)} answers have in_viva pointers"


@pytest.mark.parametrize(
    "number", [n for n, a in sorted(ANSWERS.items()) if a.synonyms], ids=lambda n: f"q{n:03d}"
)
def test_every_synonym_term_is_a_term_of_a_key_point(number: int) -> None:
    """A synonym is keyed by a term the key points use; any other key would never be consulted."""
    answer = ANSWERS[number]
    points = [p.casefold() for p in answer.key_points]
    unused = [term for term in answer.synonyms if not any(term.casefold() in p for p in points)]
    assert not unused, f"synonym terms in no key point: {unused}"


def test_no_code_block_uses_an_unknown_language() -> None:
    unknown = [
        f"q{n:03d} block {i}: {b.language!r}"
        for n, a in ANSWERS.items()
        for i, b in enumerate(a.code_blocks, start=1)
        if blocks.classify(b) == "unknown"
    ]
    assert not unknown


@pytest.mark.parametrize(("answer", "index"), EXAMPLE_BLOCKS)
def test_code_block_runs(
    answer: ModelAnswer, index: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    block = answer.code_blocks[index - 1]
    kind = blocks.classify(block)
    if kind in ("python", "pytest"):
        blocks.run_python(
            block,
            tmp_path,
            redis_url=request.getfixturevalue("redis_url"),
            as_pytest=kind == "pytest",
        )
    elif kind == "sql":
        blocks.run_sql_sqlite(block)
        blocks.run_sql_postgres(block, request.getfixturevalue("postgres_dsn"))
    elif kind == "sql-sqlite":
        blocks.run_sql_sqlite(block)
    elif kind == "sql-postgres":
        blocks.run_sql_postgres(block, request.getfixturevalue("postgres_dsn"))
    elif kind == "yaml":
        blocks.check_yaml(block)
    elif kind == "dockerfile":
        blocks.check_dockerfile(block)
    elif kind in ("json", "toml"):
        blocks.check_data(block, kind)
    else:
        assert kind in ("not-runnable", "display-only"), kind


REVIEW_CASES = [
    ("reviewed: 2026-12\nchecked_against: [python 3.11]", None),
    ("reviewed: '2026-12'\nchecked_against: python 3.11", None),
    ("reviewed: 2026-13\nchecked_against: [python 3.11]", "year and month"),
    ("reviewed: 2026-12-01\nchecked_against: [python 3.11]", "year and month"),
    ("reviewed: 2026-12", "needs 'checked_against'"),
    ("checked_against: [python 3.11]", "year and month"),
    ("reviewed: 2026-12\nchecked_against: [3.11]", "non-empty strings"),
]


@pytest.mark.parametrize(("review", "error"), REVIEW_CASES)
def test_review_keys_are_validated_when_present(review: str, error: str | None) -> None:
    text = (
        "---\nsummary: s\nkind: theory\ndifficulty: easy\ntags: [t]\nkey_points: [a]\n"
        f"pitfalls: [p]\nfollow_ups: [f]\nreferences: [https://x.example]\n{review}\n---\nBody\n"
    )
    if error is None:
        answer = parse_answer(text, number=1)
        assert answer.reviewed == "2026-12" and answer.checked_against == ["python 3.11"]
    else:
        with pytest.raises(AnswerFormatError, match=re.escape(error)):
            parse_answer(text, number=1)


def test_every_reviewed_answer_has_a_changelog_entry() -> None:
    changelog = CHANGELOG.read_text(encoding="utf-8")
    missing = [
        f"{n:03d}"
        for n, answer in sorted(ANSWERS.items())
        if answer.reviewed and not re.search(rf"^### {n:03d}\b", changelog, re.M)
    ]
    assert not missing, (
        f"reviewed, but no '### NNN' section in docs/answers-changelog.md: {missing}"
    )

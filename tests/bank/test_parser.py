"""The Markdown question-list parser: the seed as it is, the variants such lists come in."""

from __future__ import annotations

from pathlib import Path

import pytest

from viva.bank.builtin import builtin_seed_text
from viva.bank.parser import decode_upload, parse_markdown
from viva.errors import ImportRejected

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_17338fe3ace09abe.txt"


def parse_file(name: str) -> object:
    return parse_markdown(decode_upload((DATA / name).read_bytes(), max_bytes=5 * 2**20))


def test_the_seed_is_100_questions_in_10_categories_in_order() -> None:
    track = parse_markdown(builtin_seed_text())
    assert track.summary == "100 questions in 10 categories"
    numbers = [q.number for c in track.categories for q in c.questions]
    assert numbers == list(range(1, 101))
    assert [c.title for c in track.categories][:3] == [
        "Python Programming Fundamentals",
        "FastAPI Framework",
        "SQL and Databases",
    ]
    assert track.categories[-1].title == "Scenario-Based Questions"
    assert track.warnings == []


def test_the_packaged_seed_is_the_shared_seed_byte_for_byte() -> None:
    if not SEED.exists():
        pytest.skip(f"shared seed not beside the checkout: {SEED}")
    assert builtin_seed_text() == SEED.read_text("utf-8")


def test_seed_mojibake_is_repaired() -> None:
    raw = builtin_seed_text()
    assert "â€™" in raw  # the file really is damaged
    track = parse_markdown(raw)
    texts = [q.text for c in track.categories for q in c.questions]
    assert not [t for t in texts if "â€" in t or "Ã" in t]
    assert "How does Python's Global Interpreter Lock (GIL) work" in texts[1]


def test_q_numbering_emoji_headings_and_crlf() -> None:
    track = parse_file("q_numbering_emoji_crlf.md")
    assert track.title == "Backend Interview Prep"
    assert [c.title for c in track.categories] == ["Python Basics", "Databases"]
    qs = [q for c in track.categories for q in c.questions]
    assert [q.number for q in qs] == [1, 2, 3, 3]
    assert [q.difficulty for q in qs] == ["easy", "hard", "medium", "hard"]
    assert qs[0].text == "What is a generator?"
    assert [q.slug for q in qs] == ["q1", "q2", "q3", "q3-2"]  # a number used twice: both kept
    assert len(track.warnings) == 1 and "line 14" in track.warnings[0]


def test_paren_numbering_and_tips_section_ignored() -> None:
    track = parse_file("paren_numbering.md")
    assert track.summary == "3 questions in 1 categories"
    qs = track.categories[0].questions
    assert track.categories[0].title == "SQL"
    # Kind comes only from an explicit marker: without one it stays unset.
    assert qs[0].difficulty == "hard" and qs[0].kind is None
    assert qs[0].text == "Write a SQL query that returns the second highest salary."
    assert [q.difficulty for q in qs[1:]] == ["easy", "medium"]  # both marked in the file
    assert track.warnings == []


def test_bold_numbering_bold_headings_and_continuation_lines() -> None:
    track = parse_file("bold_numbering.md")
    assert [c.title for c in track.categories] == ["Caching", "Messaging"]
    q1, q2 = track.categories[0].questions
    assert (
        q1.text == "What is cache stampede and how do you prevent it?" and q1.difficulty == "hard"
    )
    assert q2.text == "Compare write-through and write-back caching. Give one example of each."
    assert track.categories[1].questions[0].difficulty == "easy"


def test_a_list_without_headings_is_one_category() -> None:
    track = parse_file("no_headings.md")
    assert track.summary == "3 questions in 1 categories"
    assert track.categories[0].title == "General"


def test_brackets_that_are_not_labels_stay_in_the_text() -> None:
    track = parse_markdown("1. What does `dict.get(key, default)` return (and when)?\n")
    assert (
        track.categories[0].questions[0].text
        == "What does `dict.get(key, default)` return (and when)?"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"# Just a title\n\nNo questions here.\n", "no numbered questions"),
        (b"x" * (5 * 2**20 + 1), "limit is 5 MB"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match=message):
        parse_markdown(decode_upload(data, max_bytes=5 * 2**20))

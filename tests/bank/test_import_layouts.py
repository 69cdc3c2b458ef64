"""The layouts question lists are published in: each fixture imports with the questions a
person would count, the right categories and the answers; then answers, dry runs and the
round trip through the database (SQLite and PostgreSQL) and the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.bank.test_api import snapshot, upload
from tests.conftest import run_async
from viva.bank.exporting import export_markdown
from viva.bank.importing import _from_export
from viva.bank.importing import parse_upload as _parse_upload
from viva.bank.models import Answer, Category, Question, Track
from viva.bank.parser import ParsedTrack, decode_upload, parse_markdown
from viva.bank.schemas import ExportCategory, ExportQuestion, ExportTrack
from viva.cli import app as cli
from viva.db import Database
from viva.errors import ImportRejected
from viva.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
MAX = 5 * 2**20


def parse_fixture(name: str) -> ParsedTrack:
    return parse_markdown(decode_upload((FIXTURES / name).read_bytes(), max_bytes=MAX))


def shape(track: ParsedTrack) -> list[tuple[str, int, int]]:
    """(category, questions, questions with an answer) per category."""
    return [
        (c.title, len(c.questions), sum(1 for q in c.questions if q.answer))
        for c in track.categories
    ]


# file: (title, [(category, questions, answers)], the first question's text)
LAYOUTS = {
    "headings_numbered.md": (
        "100 Core Python Interview Questions",
        [("General", 4, 4)],
        "What is a Python decorator?",
    ),
    "headings_bold_numbered.md": (
        "FastAPI Interview Questions",
        [("Basics", 2, 2), ("Dependencies", 3, 3)],
        "What is FastAPI?",
    ),
    "headings_q_prefixed.md": (
        "Docker and Kubernetes",
        [("Docker", 2, 2), ("Kubernetes", 3, 3)],
        "What is the difference between an image and a container?",
    ),
    "details_blocks.md": (
        "SQL Questions",
        [("Joins", 2, 2), ("Indexes", 2, 2)],
        "What is the difference between INNER JOIN and LEFT JOIN?",
    ),
    "bullets.md": (
        "Angular Questions",
        [("Components", 3, 3), ("Services", 2, 0)],
        "What is a component in Angular?",
    ),
    "bold_questions.md": (None, [("Python", 2, 2), ("Databases", 2, 2)], "What is a closure?"),
    "qa_with_code.md": (
        "Python coding questions",
        [("Strings", 2, 2), ("Lists", 2, 2)],
        "How do you reverse a string in Python?",
    ),
    "table_of_contents.md": ("REST API Interview Questions", [("General", 3, 3)], "What is REST?"),
    "numbered_steps.md": (
        "Deployment questions",
        [("CI/CD", 3, 3)],
        "How do you deploy a FastAPI app to Kubernetes?",
    ),
    "mixed_layouts.md": (
        "Backend Mixed Bag",
        [("Python", 2, 2), ("Databases", 3, 0), ("Caching", 1, 1), ("HTTP", 2, 2)],
        "What is a context manager?",
    ),
    "scenario_sections.md": (
        "System design practice",
        [("Scenarios", 3, 0), ("Design", 2, 0)],
        "Your API latency doubled after a deploy; how do you find the cause?",
    ),
    "headings_in_list_items.md": (
        "Angular Interview Questions",
        [("General", 3, 3)],
        "What is Angular Framework?",
    ),
    "hidden_answers.md": (
        "Python Q&A",
        [("Basics", 2, 2), ("Iteration", 3, 3)],
        "Explain the difference between `is` and `==`",
    ),
    "labelled_questions.md": (
        None,
        [("FastAPI", 2, 2), ("Docker", 2, 2), ("Python", 2, 2)],
        "What is FastAPI?",
    ),
    "q_dot_headings_html.md": (
        "Python Basics",
        [("Introduction", 2, 1), ("Data types", 1, 1)],
        "What is Python?",
    ),
    "question_table.md": (
        "SQL and Kubernetes in tables",
        [("SQL", 3, 3), ("Kubernetes", 2, 0)],
        "What is a join?",
    ),
    "section_lines.md": (
        None,
        [("Part 1: Python", 2, 0), ("Part 2: Testing", 3, 0)],
        "What is a lambda?",
    ),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_layout_imports_the_questions_a_person_would_count(name: str) -> None:
    title, categories, first = LAYOUTS[name]
    track = parse_fixture(name)
    assert track.title == title
    assert shape(track) == categories
    assert track.categories[0].questions[0].text == first
    for q in (q for c in track.categories for q in c.questions):
        # No guesses: kind and difficulty stay unset without a marker, and no tag is made
        # from a category's first word.
        assert (q.kind, q.difficulty) == (None, None)
        assert not {"q", "what", "scenario", "part", "general"} & set(q.tags)
    assert not [w for w in track.warnings if "check the result" in w]


def test_fixtures_cover_at_least_ten_layout_files() -> None:
    assert len(list(FIXTURES.glob("*.md"))) >= 10 and set(LAYOUTS) <= {
        p.name for p in FIXTURES.glob("*.md")
    }


def test_answers_keep_their_markdown_code_tables_and_steps() -> None:
    questions = [q for c in parse_fixture("headings_numbered.md").categories for q in c.questions]
    decorator, table, gil, _ = questions
    # The '# comment' in the fence is code, the numbered steps are part of the answer.
    assert "```python\n# A decorator that logs calls" in decorator.answer
    assert decorator.answer.endswith(
        "1. Define the outer function.\n2. Define the wrapper inside it.\n3. Return the wrapper."
    )
    assert table.answer.startswith("| list | tuple |")
    assert "    # indented code is code, not a heading\n    1. not a question either" in gil.answer


def test_numbered_steps_after_an_answer_are_not_questions() -> None:
    questions = [q for c in parse_fixture("numbered_steps.md").categories for q in c.questions]
    assert [q.slug for q in questions] == ["q1", "q2", "q3"]
    assert questions[1].answer == (
        "Run them in a Job before the new pods start:\n\n"
        "1. Create a migration Job.\n2. Wait for it to complete."
    )
    assert parse_fixture("numbered_steps.md").warnings == []


def test_labels_in_answers_are_never_categories_and_answer_labels_are_dropped() -> None:
    track = parse_fixture("headings_q_prefixed.md")
    assert [c.title for c in track.categories] == ["Docker", "Kubernetes"]
    first = track.categories[0].questions[0]
    assert first.answer.startswith("An image is a read-only template")
    assert "**Key points:**\n\n- images are layered" in first.answer
    assert [q.slug for q in track.categories[1].questions] == ["q3", "q4", "q12"]


def test_details_blocks_give_the_summary_as_question_and_the_body_as_answer() -> None:
    track = parse_fixture("details_blocks.md")
    joins, indexes = track.categories
    assert joins.questions[1].text == "What is a self join?"  # <b> stripped
    assert "```sql\nSELECT * FROM a LEFT JOIN b" in joins.questions[0].answer
    assert indexes.questions[0].answer == "An index that holds every column a query needs."
    assert "</details>" not in " ".join(q.answer for q in indexes.questions)


def test_headings_inside_list_items_are_questions_and_navigation_is_dropped() -> None:
    questions = parse_fixture("headings_in_list_items.md").categories[0].questions
    assert [q.number for q in questions] == [1, 2, 3]
    assert questions[0].answer == (
        "Angular is a **TypeScript-based open-source** front-end platform."
    )
    assert questions[2].answer.endswith("function greet(name: string): void {}\n```")
    assert not [q for q in questions if "Back to Top" in q.answer]


def test_answer_summaries_unfold_into_the_question_above() -> None:
    basics, iteration = parse_fixture("hidden_answers.md").categories
    assert basics.questions[1].text == "Describe how `*args` and `**kwargs` work"
    assert basics.questions[1].answer == "They collect extra positional and keyword arguments."
    assert [q.answer for q in iteration.questions] == [
        "An object with `__next__`.",
        "A function that uses `yield`.",
        "It iterates over several iterables in turn.",
    ]


def test_bare_question_labels_bold_items_dotted_numbers_and_front_matter() -> None:
    fastapi, docker, python = parse_fixture("labelled_questions.md").categories
    assert fastapi.questions[0].answer == (
        "A Python web framework built on Starlette and Pydantic.\n\n### Answer\n\n"
        "It generates OpenAPI documentation from type hints."
    )
    assert [q.text for q in docker.questions] == ["What is Docker?", "What is a Docker volume?"]
    assert docker.questions[0].answer == "A platform that runs applications in containers."
    assert [q.text for q in python.questions] == ["What is a list comprehension?", "What is a set?"]


def test_layout_html_and_placeholder_answers_are_left_out() -> None:
    intro, types = parse_fixture("q_dot_headings_html.md").categories
    assert intro.questions[0].answer == "Python is an interpreted language.\n\n```py\nprint(1)\n```"
    assert intro.questions[1].answer == ""  # '*ToDo*'
    assert types.questions[0].answer == "An immutable sequence."


def test_a_table_of_questions_gives_a_question_per_row() -> None:
    sql, kubernetes = parse_fixture("question_table.md").categories
    assert [q.answer for q in sql.questions] == [
        "It combines rows of two tables.",
        "A structure that finds rows fast | at a cost on writes.",
        "A stored query.\nIt holds no data.",
    ]
    assert [q.slug for q in kubernetes.questions] == ["q4", "q5"]


def test_bold_questions_with_inline_answers_and_plain_question_lines() -> None:
    text = (
        "## Python\n\n**What is a closure?** A function that keeps its scope.\n"
        "**What is a decorator?** A function that wraps another.\n\n"
        "## Plain\n\nWhat is a list?\nWhat is a tuple?\n"
    )
    track = parse_markdown(text)
    assert shape(track) == [("Python", 2, 2), ("Plain", 2, 0)] and track.warnings == []
    assert track.categories[0].questions[1].answer == "A function that wraps another."


def test_q_and_a_lines_pair_up() -> None:
    http = parse_fixture("mixed_layouts.md").categories[-1]
    assert [(q.text, q.answer) for q in http.questions] == [
        ("What does a 204 response mean?", "Success with no body."),
        (
            "What is the difference between PUT and PATCH?",
            "PUT replaces the resource; PATCH changes part of it.",
        ),
    ]


def test_code_and_indented_lines_never_make_questions_or_categories() -> None:
    text = (
        "## Shell\n\n1. How do you list files?\n\n```bash\n# list them\nls -la\n"
        "1. not an item\n## not a heading\n```\n\n"
        "2. How do you count lines?\n\n    1. indented: code\n\t2. tab: code\n"
    )
    track = parse_markdown(text)
    assert shape(track) == [("Shell", 2, 2)]
    assert "# list them" in track.categories[0].questions[0].answer


def test_the_title_keeps_its_number_and_markers_set_kind_and_difficulty() -> None:
    text = (
        "# 50 SQL Questions\n\n## Joins\n\n### 1. What is a join? [easy]\n\nCombines rows.\n\n"
        "### 2. Write a query for the second highest salary.\n\n**Difficulty:** hard\n"
        "**Kind:** sql\n\n```sql\nSELECT 1;\n```\n"
    )
    track = parse_markdown(text)
    assert track.title == "50 SQL Questions"
    q1, q2 = track.categories[0].questions
    assert (q1.text, q1.difficulty, q1.kind) == ("What is a join?", "easy", None)
    assert (q2.difficulty, q2.kind) == ("hard", "sql")


def test_h1_sections_are_categories_when_questions_sit_under_the_first() -> None:
    text = "# Python\n\n1. What is a list?\n2. What is a dict?\n\n# SQL\n\n3. What is a join?\n"
    track = parse_markdown(text)
    assert track.title is None and shape(track) == [("Python", 2, 0), ("SQL", 1, 0)]
    titled = parse_markdown("# My list\n\nIntro.\n\n" + text)
    assert titled.title == "My list" and shape(titled) == shape(track)


def test_a_question_heading_over_a_list_of_questions_is_a_section() -> None:
    text = (
        "## 1. What is Python?\n\nA language.\n\n## Why learn Python?\n\n"
        "1. Is it fast?\n2. Is it popular?\n\n## Do More\n\n1. Where is the rest?\n"
    )
    track = parse_markdown(text)
    assert [(c.title, [q.text for q in c.questions]) for c in track.categories] == [
        ("General", ["What is Python?"]),
        ("Why learn Python?", ["Is it fast?", "Is it popular?"]),
        ("Do More", ["Where is the rest?"]),
    ]


def test_same_named_sections_in_different_places_stay_apart() -> None:
    text = (
        "# T\n\n## Python\n\n### Basics\n\n1. What is a list?\n2. What is a dict?\n\n"
        "## SQL\n\n### Basics\n\n3. What is a table?\n4. What is a row?\n"
    )
    assert [c.title for c in parse_markdown(text).categories] == [
        "Python: Basics",
        "SQL: Basics",
    ]


def test_twenty_thousand_questions_in_forty_sections_all_import() -> None:
    lines = ["# Generated"]
    for section in range(40):
        lines += ["", f"## Section {section + 1}", ""]
        lines += [
            f"{n}. Question {n} of the generated list?"
            for n in range(section * 500 + 1, section * 500 + 501)
        ]
    track = parse_markdown("\n".join(lines))
    assert track.summary == "20000 questions in 40 categories"
    numbers = [q.number for c in track.categories for q in c.questions]
    assert numbers == list(range(1, 20001)) and track.warnings == []
    assert track.categories[-1].questions[-1].text == "Question 20000 of the generated list?"


def test_many_stray_lines_are_one_counted_warning_with_three_shown() -> None:
    text = "## A\n\n1. What is one?\n2. What is two?\n\n" + "".join(
        f"note {i} about nothing\n\n" for i in range(312)
    )
    warnings = parse_markdown(text).warnings
    assert warnings[0] == "312 lines of answer text without a question: shown 3"
    assert len(warnings) == 4 and "note 0 about nothing" in warnings[1]


def test_the_confidence_check_warns_when_the_result_looks_wrong() -> None:
    text = "".join(f"## Topic {i}\n\n1. q{i}\n\n" for i in range(5))
    warnings = parse_markdown(text).warnings
    assert any("shorter than 10 characters" in w for w in warnings)
    assert any("categories hold a single question" in w for w in warnings)


def test_curly_quotes_stay_and_double_encoded_quotes_are_not_binary() -> None:
    right = "1. What is “duck typing”? Don’t guess.\n"
    assert parse_markdown(right).categories[0].questions[0].text == right[3:-1]
    # “ ” written as UTF-8 and read back as Windows-1252 (0x9D kept as U+009D), saved again
    # as UTF-8: each closing quote then carries a control character, until the repair.
    damaged = "".join(f"{n}. What is a â€œclosureâ€\x9d number {n}?\n" for n in range(1, 10))
    data = damaged.encode("utf-8")
    text = decode_upload(data, max_bytes=MAX)
    texts = [q.text for c in parse_markdown(text).categories for q in c.questions]
    assert texts[0] == "What is a “closure” number 1?" and len(texts) == 9


def test_no_answers_leaves_them_out_and_nothing_else_changes() -> None:
    text = (FIXTURES / "headings_numbered.md").read_text()
    with_answers, without = _parse_upload(text, "x.md"), _parse_upload(text, "x.md", False)
    assert len(with_answers.answers) == 4 and without.answers == {}
    assert with_answers.parsed.summary == without.parsed.summary


def test_a_file_without_questions_is_refused_clearly() -> None:
    with pytest.raises(ImportRejected, match="no numbered questions found"):
        parse_markdown("# Notes\n\n- buy milk\n- call Bob\n\n```\n1. code\n```\n")


markdown_pieces = st.sampled_from(
    [
        "# ",
        "## ",
        "### 1. ",
        "1. ",
        "2) ",
        "10000. ",
        "- ",
        "* ",
        "Q1: ",
        "**",
        "`",
        "```",
        "```\n",
        "\n",
        "\n\n",
        "    ",
        "\t",
        "<details>",
        "<summary>",
        "</summary>",
        "</details>",
        "| a | b |\n|---|---|\n",
        "| Question |\n|--|\n| x? |\n",
        "?",
        "What is ",
        "x",
        "A: ",
        "**Answer:**",
        "[easy]",
        "> ",
        "---\n",
        "[a](#b)",
        "<",
        "&amp;",
        "\r\n",
        "\ufeff",
        "â€\x9d",
        "Part 1:",
    ]
)


@settings(max_examples=400, deadline=None)
@given(text=st.lists(st.one_of(markdown_pieces, st.text(max_size=4)), max_size=40).map("".join))
def test_any_text_imports_or_is_refused_clearly(text: str) -> None:
    try:
        track = parse_markdown(text)
    except ImportRejected:
        return
    slugs = [q.slug for c in track.categories for q in c.questions]
    assert len(slugs) == len(set(slugs)) and all(c.title for c in track.categories)
    assert all(q.text.strip() for c in track.categories for q in c.questions)


# The round trip: export then import gives the same track -------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
sentence = st.lists(words, min_size=2, max_size=8).map(" ".join)
kinds = st.sampled_from(["theory", "coding", "sql", "scenario", "design"])
levels = st.sampled_from(["easy", "medium", "hard"])
answer_md = st.one_of(
    st.none(),
    sentence.map(lambda s: s.capitalize() + "."),
    st.tuples(sentence, sentence).map(lambda t: f"{t[0]}:\n\n1. {t[1]}\n2. {t[0]}"),
    sentence.map(lambda s: f"Like this:\n\n```python\n# {s}\nprint(1)\n```"),
)


@st.composite
def tracks(draw: st.DrawFn) -> tuple[list[Category], dict[int, list[Question]]]:
    titles = draw(st.lists(sentence.map(str.title), min_size=1, max_size=4, unique_by=str.lower))
    categories, by_cat, number = [], {}, 0
    for cid, title in enumerate(titles, start=1):
        category = Category(id=cid, slug=f"c{cid}", title=title, position=cid)
        categories.append(category)
        by_cat[cid] = []
        for text, kind, level, answer in draw(
            st.lists(st.tuples(sentence, kinds, levels, answer_md), min_size=1, max_size=5)
        ):
            number += draw(st.integers(1, 3000))
            q = Question(number=number, text=text.capitalize() + "?", kind=kind, difficulty=level)
            q.answer = (
                Answer(summary="", explanation=answer, difficulty=level, kind=kind)
                if answer
                else None
            )
            by_cat[cid].append(q)
    return categories, by_cat


@settings(max_examples=60, deadline=None)
@given(track=tracks())
def test_importing_an_exported_track_gives_it_back(
    track: tuple[list[Category], dict[int, list[Question]]],
) -> None:
    categories, by_cat = track
    parsed = parse_markdown(export_markdown("Round Trip", categories, by_cat))
    expected = [
        (
            c.title,
            [
                (q.number, q.text, q.kind, q.difficulty, q.answer.explanation if q.answer else "")
                for q in by_cat[c.id]
            ],
        )
        for c in categories
    ]
    got = [
        (c.title, [(q.number, q.text, q.kind, q.difficulty, q.answer) for q in c.questions])
        for c in parsed.categories
    ]
    assert parsed.title == "Round Trip" and got == expected
    # And through the JSON export, which the importer reads back too.
    export = ExportTrack(
        slug="rt",
        title="Round Trip",
        categories=[
            ExportCategory(
                title=c.title,
                questions=[
                    ExportQuestion(
                        number=q.number,
                        text=q.text,
                        kind=q.kind,  # type: ignore[arg-type]
                        difficulty=q.difficulty,
                    )  # type: ignore[arg-type]
                    for q in by_cat[c.id]
                ],
            )
            for c in categories
        ],
    )
    again = _from_export(ExportTrack.model_validate_json(export.model_dump_json())).parsed
    assert [(c.title, [q.text for q in c.questions]) for c in again.categories] == [
        (t, [q[1] for q in qs]) for t, qs in expected
    ]


# Through the database and the API ------------------------------------------------------------


async def test_imported_answers_become_model_answers_and_reimport_changes_nothing(
    client: httpx.AsyncClient, database: Database, unique: str
) -> None:
    content = (FIXTURES / "headings_numbered.md").read_bytes()
    report = (await upload(client, content, track=f"ans-{unique}")).json()
    assert (report["summary"], report["answers"], report["created"]) == (
        "4 questions in 1 categories",
        4,
        4,
    )
    items = (await client.get(f"/api/v1/questions?track=ans-{unique}")).json()["items"]
    assert all(q["has_answer"] for q in items)
    answer = (await client.get(f"/api/v1/questions/{items[0]['id']}/answer")).json()
    assert answer["summary"].startswith("A decorator is a callable")
    assert "```python\n# A decorator that logs calls" in answer["explanation"]
    before = await snapshot(database, f"ans-{unique}")
    async with database.session() as s:
        hashes = sorted((await s.scalars(select(Answer.content_hash))).all())
    again = (await upload(client, content, track=f"ans-{unique}")).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert await snapshot(database, f"ans-{unique}") == before
    async with database.session() as s:
        assert sorted((await s.scalars(select(Answer.content_hash))).all()) == hashes
    # An imported answer is Markdown from a stranger: kept as written, sanitised when shown.
    hostile = (
        b"## Web\n\n### 1. What is XSS?\n\nScript <script>alert(1)</script> and "
        b"<img src=x onerror=alert(2)> in an answer.\n"
    )
    assert (await upload(client, hostile, track=f"xss-{unique}")).status_code == 201
    item = (await client.get(f"/api/v1/questions?track=xss-{unique}")).json()["items"][0]
    stored = (await client.get(f"/api/v1/questions/{item['id']}/answer")).json()
    assert "<script>alert(1)</script>" in stored["explanation"]
    page = (await client.get(f"/questions/{item['id']}")).text
    assert "in an answer" in page and "&lt;script&gt;alert(1)" in page
    assert "<script>alert" not in page and "<img src=x" not in page


async def test_a_dry_run_reports_and_writes_nothing(
    client: httpx.AsyncClient, database: Database, unique: str
) -> None:
    response = await client.post(
        "/api/v1/tracks/import",
        params={"track": f"dry-{unique}", "dry_run": "true"},
        files={"file": ("mixed.md", (FIXTURES / "mixed_layouts.md").read_bytes(), "text/markdown")},
        headers=client.admin,  # type: ignore[attr-defined]
    )
    assert response.status_code == 200
    preview = response.json()
    assert preview["dry_run"] is True and preview["summary"] == "8 questions in 4 categories"
    assert [(c["title"], c["questions"], c["answers"]) for c in preview["categories"]] == [
        ("Python", 2, 2),
        ("Databases", 3, 0),
        ("Caching", 1, 1),
        ("HTTP", 2, 2),
    ]
    assert preview["answers"] == 5 and preview["new"] == 8 and preview["compared"] is True
    assert preview["sample"] == [
        "1. What is a context manager?",
        "2. What is a metaclass?",
        "1. What is normalisation?",
    ]
    async with database.session() as s:
        assert await s.scalar(select(Track).where(Track.slug == f"dry-{unique}")) is None
        assert (
            await s.scalar(
                select(func.count())
                .select_from(Question)
                .where(Question.text == "What is a context manager?")
            )
            == 0
        )
    bad = await client.post(
        "/api/v1/tracks/import",
        params={"dry_run": "true"},
        files={"file": ("x.md", b"no questions here\n", "text/markdown")},
        headers=client.admin,  # type: ignore[attr-defined]
    )
    assert bad.status_code == 422 and "no numbered questions" in bad.json()["detail"]


# The CLI -------------------------------------------------------------------------------------


@pytest.fixture
def env(settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("VIVA_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIVA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VIVA_SANDBOX_UID_BASE", str(settings.sandbox_uid_base))
    monkeypatch.delenv("VIVA_SECRET_KEY", raising=False)
    monkeypatch.delenv("VIVA_REDIS_URL", raising=False)
    return settings


async def _answers_of(url: str, slug: str) -> int | None:
    """How many answers the track holds (None: no such track), on a database of its own."""
    database = Database(url)
    try:
        async with database.session() as s:
            track = await s.scalar(select(Track).where(Track.slug == slug))
            if track is None:
                return None
            ids = select(Question.id).where(Question.track_id == track.id)
            return await s.scalar(
                select(func.count()).select_from(Answer).where(Answer.question_id.in_(ids))
            )
    finally:
        await database.dispose()


def test_the_cli_dry_run_prints_a_summary_and_no_answers_skips_them(
    env: Settings, unique: str
) -> None:
    path, url = str(FIXTURES / "details_blocks.md"), env.effective_database_url
    result = CliRunner().invoke(cli, ["import", path, "--track", f"cli-{unique}", "--dry-run"])
    out = " ".join(result.output.split())
    assert result.exit_code == 0, out
    assert "4 questions in 2 categories" in out and "4 answers found" in out
    assert "1. What is the difference between INNER JOIN and LEFT JOIN?" in out
    assert "nothing was written" in out
    assert run_async(_answers_of(url, f"cli-{unique}")) is None
    result = CliRunner().invoke(cli, ["import", path, "--track", f"cli-{unique}", "--no-answers"])
    out = " ".join(result.output.split())
    assert result.exit_code == 0 and "4 new" in out and "0 answers" in out, out
    assert run_async(_answers_of(url, f"cli-{unique}")) == 0
    result = CliRunner().invoke(cli, ["import", path, "--track", f"cli-{unique}"])
    assert result.exit_code == 0 and "4 answers" in result.output, result.output
    assert run_async(_answers_of(url, f"cli-{unique}")) == 4
    bad = CliRunner().invoke(cli, ["import", str(FIXTURES), "--dry-run"])
    assert bad.exit_code == 1 and "no such file" in bad.output

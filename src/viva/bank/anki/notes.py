"""Rows to questions: notes, tags to kind/difficulty/tags, decks to categories, answers."""

from __future__ import annotations

from dataclasses import dataclass

from viva.bank.anki.fields import guid_slug, html_to_text, split_back
from viva.bank.anki.format import (
    _MAX_SLUG,
    _MAX_TITLE,
    _NUMBERED,
    _SLUG,
    _VIVA_GUID,
    DECKLESS,
    NO_ANSWER,
    AnkiDeck,
    _Headers,
)
from viva.bank.anki.rows import _Columns
from viva.bank.answers import DIFFICULTIES, KINDS
from viva.bank.parser import (
    ParsedCategory,
    ParsedQuestion,
    ParsedTrack,
    infer_kind,
    slugify,
)
from viva.bank.schemas import ExportAnswer
from viva.errors import ImportRejected

# Rows to questions ---------------------------------------------------------------------------


@dataclass
class _Note:
    slug: str
    deck: list[str]
    question: ParsedQuestion
    back: tuple[str, list[str]]


def _build(
    rows: list[tuple[int, list[str]]],
    columns: _Columns,
    headers: _Headers,
    *,
    is_html: bool,
    source_hash: str,
) -> AnkiDeck:
    warnings: list[str] = []
    notes: list[_Note] = []
    taken: dict[str, int] = {}
    numbered: dict[int, int] = {}
    used = {columns.front, columns.back, columns.guid, columns.deck, columns.tags, columns.notetype}
    ignored = [str(i + 1) for i in range(len(rows[0][1])) if i not in used]
    if ignored:
        warnings.append(f"column {', '.join(ignored)} not imported (Viva keeps front and back)")
    for line, row in rows:
        front = html_to_text(row[columns.front]) if is_html else row[columns.front].strip()
        if not front:
            warnings.append(f"line {line}: skipped, the front is empty")
            continue
        deck_name = row[columns.deck] if columns.deck is not None else headers.deck or ""
        deck = [part.strip() for part in deck_name.split("::")] if deck_name.strip() else []
        guid = row[columns.guid].strip() if columns.guid is not None else ""
        tags = row[columns.tags].split() if columns.tags is not None else []
        match = _NUMBERED.match(front)
        number, text = (int(match.group(1)), match.group(2)) if match else (len(notes) + 1, front)
        category = deck[-1] if deck else ""
        kind, difficulty, kept, viva_track = _read_tags([*tags, *headers.tags])
        slug = _viva_slug(guid, viva_track) if guid else None
        if slug is None and guid:
            slug = guid_slug(guid)
        elif slug is None and match:
            numbered[number] = numbered.get(number, 0) + 1
            slug = f"q{number}" if numbered[number] == 1 else f"q{number}-{numbered[number]}"
        elif slug is None:
            slug = guid_slug(text)
        if slug in taken:
            what = f"GUID {guid!r}" if guid else "question"
            raise ImportRejected(f"line {line}: the {what} of line {taken[slug]} appears again")
        taken[slug] = line
        question = ParsedQuestion(
            number=number,
            text=text,
            line=line,
            kind=kind or infer_kind(text, category),
            difficulty=difficulty or "medium",
            tags=kept,
            slug=slug,
        )
        back = row[columns.back] if columns.back is not None else ""
        notes.append(_Note(slug, deck, question, split_back(back, is_html=is_html)))
    if not notes:
        raise ImportRejected("no questions: every row of the Anki file has an empty front")
    return AnkiDeck(
        parsed=ParsedTrack(
            title=_track_title(notes),
            categories=_categories(notes),
            warnings=warnings,
            source_hash=source_hash,
        ),
        answers={n.slug: a for n in notes if (a := _answer(n)) is not None},
    )


def _read_tags(tags: list[str]) -> tuple[str | None, str | None, list[str], str | None]:
    """(kind, difficulty, other tags, Viva track) of a note's tags.

    Viva writes `viva::<track> <kind> <difficulty> <tags...>`; in that order the kind and the
    difficulty are read by position, so a question tagged `sql` keeps that tag. Otherwise (Anki
    sorts and deduplicates tags) the first kind and difficulty words are taken."""
    viva = next((t.split("::", 1)[1] for t in tags if t.lower().startswith("viva::")), None)
    if (
        len(tags) >= 3
        and tags[0].lower().startswith("viva::")
        and tags[1] in KINDS
        and tags[2] in DIFFICULTIES
    ):
        rest = [t for t in tags[3:] if not t.lower().startswith("viva::")]
        return tags[1], tags[2], rest, viva
    kind = difficulty = None
    kept: list[str] = []
    for tag in tags:
        word = tag.lower()
        if word.startswith("viva::"):
            continue
        if kind is None and word in KINDS:
            kind = word
        elif difficulty is None and word in DIFFICULTIES:
            difficulty = word
        elif tag not in kept:
            kept.append(tag)
    return kind, difficulty, kept, viva


def _viva_slug(guid: str, track: str | None) -> str | None:
    """The question slug inside a GUID Viva exported: viva-<track>-<slug>."""
    if track and guid.startswith(f"viva-{track}-"):
        slug = guid.removeprefix(f"viva-{track}-")
    elif match := _VIVA_GUID.match(guid):
        slug = match.group(1)
    else:
        return None
    return slug if _SLUG.match(slug) and len(slug) <= _MAX_SLUG else None


def _categories(notes: list[_Note]) -> list[ParsedCategory]:
    """One category per deck leaf, in the order decks first appear."""
    categories: dict[str, ParsedCategory] = {}
    for note in notes:
        title = note.deck[-1][:_MAX_TITLE] if note.deck and note.deck[-1] else ""
        slug = slugify(title) if title else DECKLESS
        if slug not in categories:
            categories[slug] = ParsedCategory(title=title, slug=slug)
        categories[slug].questions.append(note.question)
    return list(categories.values())


def _track_title(notes: list[_Note]) -> str | None:
    """The deck all categories sit in (`Viva::<title>::<category>` gives the title), if any."""
    parents = [note.deck[:-1] for note in notes]
    common = parents[0]
    for parent in parents[1:]:
        while parent[: len(common)] != common:
            common = common[:-1]
    return common[-1][:_MAX_TITLE] if common and common[-1] else None


def _answer(note: _Note) -> ExportAnswer | None:
    """A model answer from a back: its summary and key points; the back has no explanation,
    pitfalls, follow-ups or references, so those stay empty rather than made up."""
    summary, points = note.back
    if not points and summary in ("", NO_ANSWER):
        return None
    q = note.question
    return ExportAnswer.model_validate(
        {
            "summary": summary,
            "explanation": "",
            "key_points": points,
            "kind": q.kind,
            "difficulty": q.difficulty,
            "tags": list(q.tags),
        }
    )

"""Reads Anki text-file decks (Viva's own Anki export among them) into categories and questions,
and writes the HTML backs of Viva's export.

Pure functions, no database: Anki's `#key:value` headers, csv quoting, HTML fields to plain
text, decks to categories, tags to kind/difficulty/tags and GUIDs to stable question slugs.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePath
from typing import ClassVar

import ftfy

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
from viva.web.markdown import render_markdown

# Anki's own names for separators, and the order it tries them in when a file names none.
SEPARATORS = {"tab": "\t", "pipe": "|", "semicolon": ";", "colon": ":", "comma": ",", "space": " "}
NO_ANSWER = "Model answer not written yet."  # the back Viva exports for an unanswered question
# The answer fields a back can carry; an import updates only these in a stored answer.
BACK_FIELDS = ("summary", "key_points")
DECKLESS = ""  # slug of the category of rows without a deck, named after the track on import
_COLUMN_KEYS = ("guid", "deck", "tags", "notetype")
_KNOWN_KEYS = {"separator", "html", "tags", "columns", "notetype", "deck", "if matches"} | {
    f"{k} column" for k in _COLUMN_KEYS
}
_META = re.compile(r"^#([^:]*):(.*)$")
_NUMBERED = re.compile(r"^(\d{1,5})\.\s+(\S.*)\Z", re.DOTALL)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VIVA_GUID = re.compile(r"^viva-.+?-(q\d+(?:-\d+)?)$")
_LOOKS_HTML = re.compile(r"</?[a-zA-Z][^<>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_MAX_SLUG = 40  # Question.slug
_MAX_TITLE = 200  # Track.title and Category.title


@dataclass
class AnkiDeck:
    """A parsed deck: the track, and model answers (from the backs) keyed by question slug."""

    parsed: ParsedTrack
    answers: dict[str, ExportAnswer]


@dataclass
class _Headers:
    separator: str | None = None
    html: bool | None = None
    columns: str | None = None
    deck: str | None = None
    tags: list[str] = field(default_factory=list)
    column: dict[str, int] = field(default_factory=dict)
    lines: int = 0


def clean_text(text: str) -> str:
    """Repair mojibake like the Markdown importer does, but leave HTML entities to the parser:
    unescaping `&lt;T&gt;` before parsing would turn it into a tag."""
    text = ftfy.fix_text(text, normalization="NFC", unescape_html=False)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_like_anki(text: str, filename: str) -> bool:
    """Anki headers at the top, or a .tsv/.txt file whose first row has a tab."""
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    for line in lines:
        if not line.startswith("#") or line[1:2].isspace():  # "# Title" is a Markdown heading
            break
        match = _META.match(line)
        if match and match.group(1).strip().lower() in _KNOWN_KEYS:
            return True
    suffix = PurePath(filename or "").suffix.lower()
    first = next((line for line in lines if not line.startswith("#")), "")
    return suffix in (".tsv", ".txt") and "\t" in first


def parse_anki(text: str) -> AnkiDeck:
    """Parse an Anki text file. Raises ImportRejected for anything it cannot read faithfully."""
    source_hash = hashlib.sha256(text.encode()).hexdigest()
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headers = _read_headers(lines)
    body = "\n".join(lines[headers.lines :])
    separator = headers.separator or _guess_separator(body)
    rows = _read_rows(body, separator=separator, first_line=headers.lines + 1)
    if not rows:
        raise ImportRejected("the Anki file holds no notes: there are no rows after its headers")
    labels = _labels(headers.columns, separator) if headers.columns is not None else None
    width = len(labels) if labels else len(rows[0][1])
    for line, row in rows:
        if len(row) != width:
            hint = " (is the #separator right?)" if len(row) == 1 or width == 1 else ""
            raise ImportRejected(f"line {line}: {len(row)} columns, expected {width}{hint}")
    columns = _map_columns(headers, labels, width)
    is_html = headers.html
    if is_html is None:
        is_html = any(_LOOKS_HTML.search(value) for _, row in rows for value in row)
    return _build(rows, columns, headers, is_html=is_html, source_hash=source_hash)


def name_deckless(parsed: ParsedTrack, title: str) -> None:
    """Put the rows that had no deck into one category named after the track."""
    loose = next((c for c in parsed.categories if c.slug == DECKLESS), None)
    if loose is None:
        return
    title = title[:_MAX_TITLE]
    same = next((c for c in parsed.categories if c.slug == slugify(title)), None)
    if same is None:
        loose.title, loose.slug = title, slugify(title)
    else:
        same.questions.extend(loose.questions)
        parsed.categories.remove(loose)


def html_to_text(value: str) -> str:
    """Plain text of an HTML field: tags dropped, entities decoded, <br> and blocks as lines."""
    if "<" not in value and "&" not in value:
        return _tidy(value)
    reader = _HtmlText()
    reader.feed(value)
    reader.close()
    return _tidy("".join(reader.full))


def export_field(value: str) -> str:
    """Plain text as one line of an `#html:true` TSV field."""
    return html.escape(value).replace("\t", " ").replace("\r", "").replace("\n", "<br>")


def export_back(summary: str, key_points: list[str]) -> str:
    """The back of an exported card, shown as the site shows the answer: the summary is Markdown
    rendered to sanitised HTML, the key points plain text in a list. `split_back` reads it back
    (inline code, strong and emphasis return as Markdown)."""
    rendered = render_markdown(summary.replace("\r", "")).strip()
    rendered = rendered.replace("\t", " ").replace("\r", "").replace("\n", "<br>")
    points = "".join(f"<li>{export_field(p)}</li>" for p in key_points)
    return f"{rendered}<ul>{points}</ul>"


def split_back(value: str, *, is_html: bool) -> tuple[str, list[str]]:
    """(summary, key points) of a back: the text outside lists, and each top-level <li>. The
    summary keeps inline code, bold and italics as Markdown, since Viva renders it as Markdown;
    key points are plain text."""
    if not is_html:
        return value.strip(), []
    if "<" not in value and "&" not in value:
        return _tidy(value), []
    reader = _HtmlText(markdown=True)
    reader.feed(value)
    reader.close()
    points = [_tidy("".join(item)) for item in reader.items]
    return _tidy("".join(reader.outside)), [p for p in points if p]


def guid_slug(guid: str) -> str:
    """A valid, stable question slug for an arbitrary Anki GUID (case matters in GUIDs, so a
    hash of the exact string keeps `Ab1` and `ab1` apart; the readable part is a courtesy)."""
    readable = re.sub(r"[^a-z0-9]+", "-", guid.lower()).strip("-")[:16].strip("-")
    digest = hashlib.sha256(guid.encode()).hexdigest()[:12]
    return f"anki-{readable}-{digest}" if readable else f"anki-{digest}"


# Headers and rows ----------------------------------------------------------------------------


def _read_headers(lines: list[str]) -> _Headers:
    headers = _Headers()
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith("tags:"):  # Anki's legacy first line
            headers.tags = line.removeprefix("tags:").split()
            headers.lines = number
            continue
        if not line.startswith("#"):
            break
        headers.lines = number
        match = _META.match(line)
        if match is None:
            continue  # a comment
        key, value = match.group(1).strip().lower(), match.group(2)
        if key == "separator":
            headers.separator = _separator(value, line=number)
        elif key == "html":
            if value.strip().lower() not in ("true", "false"):
                raise ImportRejected(f"line {number}: #html must be true or false, not {value!r}")
            headers.html = value.strip().lower() == "true"
        elif key == "tags":
            headers.tags = value.split()
        elif key == "columns":
            headers.columns = value
        elif key == "deck":
            headers.deck = value.strip() or None
        elif key.endswith(" column") and key.removesuffix(" column") in _COLUMN_KEYS:
            headers.column[key.removesuffix(" column")] = _column_number(key, value, line=number)
        # #notetype, #if matches and unknown keys change nothing Viva keeps.
    return headers


def _separator(value: str, *, line: int) -> str:
    name = value.strip().lower()
    if name in SEPARATORS:
        return SEPARATORS[name]
    if value in SEPARATORS.values():
        return value
    names = ", ".join(SEPARATORS)
    raise ImportRejected(f"line {line}: unknown #separator {value!r}; use one of {names}")


def _column_number(key: str, value: str, *, line: int) -> int:
    if not re.fullmatch(r"[0-9]+", value.strip()) or int(value) < 1:
        raise ImportRejected(
            f"line {line}: #{key} must be a column number counted from 1, not {value.strip()!r}"
        )
    return int(value)


def _guess_separator(body: str) -> str:
    sample = body[:8192]
    return next((sep for sep in SEPARATORS.values() if sep in sample), "\t")


def _read_rows(body: str, *, separator: str, first_line: int) -> list[tuple[int, list[str]]]:
    # strict: an unbalanced quote is an error rather than a field that swallows the file.
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator, strict=True)
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = first_line + reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            reason = (
                "a quoted field is never closed"
                if "end of data" in str(exc)
                else f"bad quoting ({exc})"
            )
            raise ImportRejected(f"line {start}: {reason}") from exc
        if any(value.strip() for value in row):
            rows.append((start, row))


def _labels(value: str, separator: str) -> list[str]:
    try:
        labels = next(csv.reader([value], delimiter=separator, strict=True), [])
    except csv.Error as exc:
        raise ImportRejected(f"#columns cannot be read: {exc}") from exc
    return [label.strip() for label in labels]


@dataclass
class _Columns:
    front: int
    back: int | None
    guid: int | None
    deck: int | None
    tags: int | None
    notetype: int | None  # read past: Viva has one kind of card


def _map_columns(headers: _Headers, labels: list[str] | None, width: int) -> _Columns:
    """0-based indexes of the columns Viva reads, checked against the rows' width."""
    meta: dict[str, int] = {}
    for key, number in headers.column.items():
        if number > width:
            raise ImportRejected(f"#{key} column:{number} but the rows have {width} columns")
        if number - 1 in meta.values():
            raise ImportRejected(f"#{key} column:{number} is already another header's column")
        meta[key] = number - 1
    fields = [i for i in range(width) if i not in meta.values()]
    if not fields:
        raise ImportRejected("no column is left for the front of the cards")
    named = {label.lower(): i for i, label in enumerate(labels or []) if i in fields}
    front = named.get("front", fields[0])
    rest = [i for i in fields if i != front]
    back = named.get("back", rest[0] if rest else None)
    rest = [i for i in rest if i != back]
    tags = meta.get("tags")
    if tags is None:
        # As Anki does for its Basic note type: a column after the two fields holds tags.
        tags = named.get("tags", rest[0] if rest else None)
    return _Columns(front, back, meta.get("guid"), meta.get("deck"), tags, meta.get("notetype"))


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


# HTML ----------------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _HtmlText(HTMLParser):
    """Collects the text of an HTML fragment: all of it, the part outside lists, and each
    top-level list item. Script and style content is dropped; nothing is ever rendered."""

    _BLOCKS = frozenset(
        {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote"}
        | {"pre", "hr", "dl", "dt", "dd", "section"}
    )
    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})
    _EMPHASIS: ClassVar[dict[str, str]] = {"strong": "**", "b": "**", "em": "*", "i": "*"}

    def __init__(self, *, markdown: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.full: list[str] = []
        self.outside: list[str] = []
        self.items: list[list[str]] = []
        self._lists = 0
        self._open_items: list[int] = []  # the list depth each open <li> started at
        self._hidden = 0
        self._markdown = markdown  # inline code and emphasis outside lists as Markdown
        self._code_starts: list[int] = []  # where each open <code> began in `outside`

    def _inline(self) -> bool:
        return self._markdown and not self._hidden and not self._open_items

    def _start_markdown(self, tag: str) -> None:
        if not self._inline():
            return
        if tag == "code":
            self._code_starts.append(len(self.outside))
        elif tag in self._EMPHASIS:
            self.outside.append(self._EMPHASIS[tag])

    def _end_markdown(self, tag: str) -> None:
        if not self._inline():
            return
        if tag == "code" and self._code_starts:
            start = self._code_starts.pop()
            code = "".join(self.outside[start:])
            fence = "`" * (max(map(len, re.findall(r"`+", code)), default=0) + 1)
            pad = " " if code.startswith("`") or code.endswith("`") else ""
            self.outside[start:] = [f"{fence}{pad}{code}{pad}{fence}"]
        elif tag in self._EMPHASIS:
            self.outside.append(self._EMPHASIS[tag])

    def _buffers(self) -> list[list[str]]:
        return [self.full, self.items[-1] if self._open_items else self.outside]

    def _write(self, text: str) -> None:
        for buffer in self._buffers():
            buffer.append(text)

    def _line_break(self) -> None:
        for buffer in self._buffers():
            if buffer and not buffer[-1].endswith("\n"):
                buffer.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start_markdown(tag)
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self._write("\n")
        elif tag in ("ul", "ol"):
            self._line_break()
            self._lists += 1
        elif tag == "li":
            while self._open_items and self._open_items[-1] >= self._lists:
                self._open_items.pop()  # an <li> closed implicitly by the next one
            self._line_break()
            if not self._open_items:
                self.items.append([])
            self._open_items.append(self._lists)
            self.full.append("- ")
        elif tag in self._BLOCKS:
            self._line_break()

    def handle_endtag(self, tag: str) -> None:
        self._end_markdown(tag)
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "li":
            self._line_break()
            if self._open_items:
                self._open_items.pop()
        elif tag in ("ul", "ol"):
            while self._open_items and self._open_items[-1] >= self._lists:
                self._open_items.pop()
            self._lists = max(0, self._lists - 1)
            self._line_break()
        elif tag in self._BLOCKS:
            self._line_break()

    def handle_data(self, data: str) -> None:
        if self._hidden or not data:
            return
        if self._lists and not self._open_items and not data.strip():
            return  # layout whitespace between <ul> and <li>
        self._write(data)

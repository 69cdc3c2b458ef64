"""Reading a deck: recognise an Anki text file, parse it, name the rows without a deck."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

import ftfy

from viva.bank.anki.format import _KNOWN_KEYS, _LOOKS_HTML, _MAX_TITLE, _META, DECKLESS, AnkiDeck
from viva.bank.anki.notes import _build
from viva.bank.anki.rows import _guess_separator, _labels, _map_columns, _read_headers, _read_rows
from viva.bank.parser import (
    ParsedTrack,
    slugify,
)
from viva.errors import ImportRejected


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

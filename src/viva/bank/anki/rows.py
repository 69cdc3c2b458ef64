"""Anki's `#key:value` headers and csv rows, mapped to columns."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from viva.bank.anki.format import _COLUMN_KEYS, _META, SEPARATORS, _Headers
from viva.errors import ImportRejected

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

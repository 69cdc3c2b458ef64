"""Anki's text-file format: the header keys and separators Viva reads, and the parsed deck."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from viva.bank.parser import (
    ParsedTrack,
)
from viva.bank.schemas import ExportAnswer

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

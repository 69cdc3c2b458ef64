"""Reads Anki text-file decks (Viva's own Anki export among them) into categories and questions,
and writes the HTML backs of Viva's export.

Pure functions, no database: Anki's `#key:value` headers, csv quoting, HTML fields to plain
text, decks to categories, tags to kind/difficulty/tags and GUIDs to stable question slugs.
`rows` reads the file, `notes` turns rows into questions, `fields` converts field text.
"""

from viva.bank.anki.deck import clean_text, looks_like_anki, name_deckless, parse_anki
from viva.bank.anki.fields import export_back, export_field, guid_slug, html_to_text, split_back
from viva.bank.anki.format import BACK_FIELDS, DECKLESS, NO_ANSWER, SEPARATORS, AnkiDeck

__all__ = [
    "BACK_FIELDS",
    "DECKLESS",
    "NO_ANSWER",
    "SEPARATORS",
    "AnkiDeck",
    "clean_text",
    "export_back",
    "export_field",
    "guid_slug",
    "html_to_text",
    "looks_like_anki",
    "name_deckless",
    "parse_anki",
    "split_back",
]

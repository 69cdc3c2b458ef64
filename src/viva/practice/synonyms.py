"""The key-point checker's tables, where other modules have always found them.

The tables themselves are data in ``src/viva/content/synonyms.yaml``; the code that reads them
is :mod:`viva.practice.matcher.tables`.
"""

from __future__ import annotations

from viva.practice.matcher.tables import answer_synonyms, known_words, tables

__all__ = ["answer_synonyms", "known_words", "tables"]

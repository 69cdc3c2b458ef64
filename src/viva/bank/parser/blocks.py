"""The markdown-it token stream as top-level blocks and list items, and the events phase 1 emits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

# The token stream, as top-level blocks ------------------------------------------------------


@dataclass
class _Block:
    type: str  # heading, paragraph, bullet_list, ordered_list, fence, html_block, hr, ...
    start: int  # 0-based first line
    end: int  # 0-based line after the last
    tokens: list[Token]
    level: int = 0  # heading level

    @property
    def inline(self) -> str:
        return next((t.content for t in self.tokens if t.type == "inline"), "")


def _blocks(tokens: list[Token]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        start, end = tok.map if tok.map else (0, 0)
        if tok.nesting == 1:
            depth, j = 1, i + 1
            while depth:
                depth += tokens[j].nesting
                j += 1
            kind = tok.type.removesuffix("_open")
            level = int(tok.tag[1]) if kind == "heading" else 0
            blocks.append(_Block(kind, start, end, tokens[i:j], level))
            i = j
        else:
            blocks.append(_Block(tok.type, start, end, [tok]))
            i += 1
    return blocks


@dataclass
class _Item:
    """A list item: its number (ordered lists), first-paragraph lines and the rest's lines."""

    number: int | None
    start: int
    end: int
    para: tuple[int, int] | None
    heading: bool = False  # the first line is a heading ('1. ### What is X?')


_ITEM_MARKER = re.compile(r"^\s*(?:\d{1,9}[.)]|[-*+])\s+(?:#{1,6}\s+)?")


def _first_line(lines: list[str], item: _Item) -> str:
    """The first line of an item's paragraph without its list marker ('' without one)."""
    if item.para is None:
        return ""
    line = _ITEM_MARKER.sub("", lines[item.para[0]], count=1).strip()
    # '1. ### What is X?': a heading as the item's first line (its closing #s dropped).
    return re.sub(r"\s+#+$", "", line) if item.heading else line


def _items(block: _Block) -> list[_Item]:
    items: list[_Item] = []
    depth = 0
    for i, tok in enumerate(block.tokens):
        if tok.type == "list_item_open" and depth == 1:
            start, end = tok.map or (0, 0)
            nxt = block.tokens[i + 1] if i + 1 < len(block.tokens) else None
            para = (
                tuple(nxt.map)
                if nxt is not None and nxt.type in ("paragraph_open", "heading_open") and nxt.map
                else None
            )
            heading = nxt is not None and nxt.type == "heading_open"
            number = int(tok.info) if tok.info.isdigit() else None
            items.append(_Item(number, start, end, para, heading))  # type: ignore[arg-type]
        depth += tok.nesting
    return items


# Phase 1: events ----------------------------------------------------------------------------


@dataclass
class _Question:
    kind: str  # heading, ol, ul, p, details
    number: int | None
    text: str
    line: int
    answer: list[str] = field(default_factory=list)  # Markdown pieces, in order
    level: int = 0  # heading questions: the heading level


@dataclass
class _Heading:
    level: int
    title: str
    line: int
    has_body: bool = False  # text under it before the first question (e.g. contents)


@dataclass
class _Section:
    """A non-heading line that may name a section ('**Caching**', 'Part 2: SQL')."""

    title: str
    text: str


@dataclass
class _Content:
    text: str


_Event = _Question | _Heading | _Section | _Content

"""Note fields: HTML to plain text and back, the export's backs, GUIDs to question slugs."""

from __future__ import annotations

import hashlib
import html
import re
from html.parser import HTMLParser
from typing import ClassVar

from viva.web.markdown import render_markdown_inline


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
    """The back of an exported card, shown as the site shows the answer: the summary's inline
    Markdown rendered to sanitised HTML, the key points plain text in a list. `split_back`
    reads it back (inline code, strong and emphasis return as Markdown). Inline only: a
    summary that starts with ">" or "1)" would otherwise come back without it, and the items
    of a list made of it would come back as key points."""
    rendered = render_markdown_inline(summary.replace("\r", "").strip())
    rendered = f"<p>{rendered}</p>" if rendered else ""
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

"""The one place Markdown becomes HTML: markdown-it, Pygments highlighting, nh3 sanitising."""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

_FORMATTER = HtmlFormatter(nowrap=True)
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "th": {"align"},
    "td": {"align"},
}


def _highlight(code: str, lang: str, _attrs: str) -> str:
    name = (lang or "").split()[0] if lang else ""
    try:
        lexer = get_lexer_by_name(name)
    except ClassNotFound:
        return html.escape(code)
    return highlight(code, lexer, _FORMATTER)


_MD = MarkdownIt("commonmark", {"highlight": _highlight, "html": False}).enable("table")


@lru_cache(maxsize=1024)
def render_markdown(text: str) -> str:
    """Untrusted Markdown to safe HTML (raw HTML in the source is escaped, then sanitised)."""
    return _clean(_MD.render(text))


def render_markdown_inline(text: str) -> str:
    """`render_markdown` of inline Markdown only (code, emphasis, links): a ">" or "1)" that
    starts the text stays text, no block (quote, list, heading) is made of it."""
    return _clean(_MD.renderInline(text))


def _clean(raw: str) -> str:
    return nh3.clean(
        raw,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )

"""User-supplied Markdown renders without executable content: known XSS payloads."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from viva.web.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "``<script>alert(1)</script>``",
    '[a](https://ok.example "title" onclick="alert(1)")',
    "<object data=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<body onload=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]
SAFE_TAGS = {
    "p",
    "a",
    "strong",
    "em",
    "code",
    "pre",
    "span",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "hr",
    "img",
}


class _Elements(HTMLParser):
    """Every real element and attribute in the output (escaped text is not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised(payload: str) -> None:
    html = render_markdown(f"Some text\n\n{payload}\n\nmore")
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            url = re.sub(r"\s", "", value or "").lower()
            if name in ("href", "src"):
                assert url.startswith(("http://", "https://", "mailto:", "#", "/")) or not url, html


def test_ordinary_markdown_still_renders() -> None:
    html = render_markdown(
        "## Title\n\n**bold** [docs](https://fastapi.tiangolo.com)\n\n```python\nx = 1\n```"
    )
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert (
        'href="https://fastapi.tiangolo.com"' in html
        and 'rel="noopener noreferrer nofollow"' in html
    )
    assert "<pre>" in html

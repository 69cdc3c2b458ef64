"""Reads Markdown question lists into categories, questions and their answers.

Pure functions, no database. The file is parsed by markdown-it-py; a question is recognised by
its structure in context (a numbered or Q-prefixed heading, a list item, a Q-line or bold
question line, a <details> block) and everything up to the next question of the same kind is
its answer. Categories come from the heading level that groups the questions.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import textwrap
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import ftfy
from markdown_it import MarkdownIt
from markdown_it.token import Token

from viva.bank.answers import DIFFICULTIES, KINDS
from viva.errors import ImportRejected

DEFAULT_CATEGORY = "General"
TITLE_MAX = 200
_TAG_GROUP = re.compile(
    r"(?:\[([^\[\]]{1,60})\]|\(([^()]{1,60})\)|(?<![*\w])\*([^*]{1,60})\*(?!\*)|(?<![_\w])_([^_]{1,60})_(?!_))"
)
_LABELS = {"difficulty", "kind", "level", "type"}
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")
_SECTION_NUMBER = re.compile(r"^(?:section\s+)?\d{1,3}(?:\.\d{1,3})*[.):]?\s+", re.IGNORECASE)
# '### Question 12' alone: the question itself is the paragraph below it.
_BARE_LABEL = re.compile(
    r"^(?:Q|Question|Problem|Exercise|Task)\s*#?\s*\d{1,7}\s*[.:)]?$", re.IGNORECASE
)
# "1. ", "Q1. ", "Q. ", "Q12: ", "Question 3) ", "1 - ": the prefix of a numbered question.
_NUMBERED = re.compile(
    r"^(?:(?:Q(?:uestion)?|№)\s*#?\s*(?:(?P<qn>\d{1,7})\s*(?:[.):\-–—]|(?=\s))|[.):\-–—])|(?P<d>(?:\d{1,4}\.)+\d{1,7})[.):]?(?=\s)|#\s*(?P<h>\d{1,7})[.):]?(?=\s)|(?P<n>\d{1,7})\s*(?:[.):]|\s[-–—]))"
    r"\s*(?P<rest>\S.*)?$",
    re.IGNORECASE,
)
# A paragraph line that starts a question: Q-prefixed or bold-numbered, with its markup.
_Q_LINE = re.compile(
    r"^\s{0,3}(?:\*\*|__)?\s*(?:Q(?:uestion)?\s*#?\s*(?P<qn>\d{1,7})?\s*[.):\-–—]|(?P<bn>\d{1,7})\s*[.):]\s*(?:\*\*|__)|(?P<dn>\d{1,7})\s+[-–—])\s*(?:\*\*|__)?\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_Q_PREFIX = re.compile(r"^\s{0,3}(?:\*\*|__)?\s*Q(?:uestion)?\s*#?\s*\d{1,7}\s*[.):\-–—]", re.I)
_BOLD_LINE = re.compile(r"^\s{0,3}(\*\*|__)(?P<inner>[^*_].*?)\1\s*:?\s*$")
_ANSWER_LABEL = re.compile(
    r"^\s*(?:[*_]{1,2})?\s*(?:a|ans|answer|solution|explanation|response)\s*(?:[*_]{1,2})?\s*[:.\-–—]\s*(?:[*_]{1,2}(?=\s|$))?\s*",
    re.IGNORECASE,
)


# Labels inside answers: never a section's name.
def _words(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(text.split(sep))


_LABEL_WORDS = _words(
    "a|ans|answer|answers|solution|solutions|explanation|example|examples|output|code|note|"
    "notes|hint|hints|result|results|sample answer|q|question|questions|key points|follow-up|"
    "follow-ups|follow up|why|usage|syntax|summary|references|read more|see also|tip|tips|"
    "output|approach|steps|complexity|pitfalls|answer key",
    "|",
)
_QUESTION_WORDS = _words(
    "what why how when where which who whom whose explain describe define compare contrast "
    "write implement design differentiate distinguish list name can could is are does do did "
    "should would will was were have has tell give demonstrate discuss outline create build "
    "show walk mention state summarize summarise elaborate identify illustrate suppose imagine "
    "find reverse convert optimize optimise debug given assume you your difference "
    "differences"
)
_CONTENTS = _words("table of contents|table of content|contents|toc|index|questions", "|")
_SECTION_WORDS = re.compile(r"^(?:section|part|chapter|module|unit|level)\s+\d+\b", re.I)
_MARKER = re.compile(
    r"^\W*(difficulty|level|kind|type)\W*[:\-–]\s*\W*([a-z]+)", re.IGNORECASE | re.MULTILINE
)
_LINK_ONLY = re.compile(r"^\s*(?:\d+[.)]\s*)?\[[^\]]*\]\([^)]*\)\s*$")
_DETAILS = re.compile(
    r"<details\b[^>]*>\s*(?:<summary\b[^>]*>(?P<summary>.*?)</summary>)?(?P<body>.*?)</details\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]+>")
_BACK_TO_TOP_HTML = re.compile(r"<a\b[^>]*href=[\"']#[^>]*>[^<]*\b(?:back to top|top)\b", re.I)
# '**[⬆ Back to Top](#table-of-contents)**': navigation, not part of an answer.
_BACK_TO_TOP = re.compile(
    r"^[ \t>*_]*\[[^\]\n]*\b(?:back to top|top|back|up|home|contents|toc)\b[^\]\n]*\]"
    r"\(#[^)\n]*\)[ \t*_]*$\n?",
    re.IGNORECASE | re.MULTILINE,
)
# Only the block structure is needed: inline parsing (links, emphasis) is left out.
_MD = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])

IssueKind = Literal["stray", "orphan", "empty", "confidence"]
_ISSUE_HEADERS: dict[str, str] = {
    "stray": "lines in a list of questions that are not questions (skipped)",
    "orphan": "lines of answer text without a question",
    "empty": "numbered items without text (skipped)",
    "confidence": "checks suggest this import may be wrong",
}
SHOWN = 3


@dataclass
class ParsedQuestion:
    number: int
    text: str
    line: int
    kind: str | None  # None: no marker in the file (Viva does not guess)
    difficulty: str | None
    tags: list[str]
    slug: str = ""
    answer: str = ""  # Markdown, as the file has it; empty when the file has none

    @property
    def content_hash(self) -> str:
        raw = json.dumps([self.number, self.text, self.kind, self.difficulty, self.tags])
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class ParsedCategory:
    title: str
    slug: str
    questions: list[ParsedQuestion] = field(default_factory=list)


@dataclass(frozen=True)
class ImportIssue:
    kind: IssueKind
    message: str


@dataclass
class ParsedTrack:
    title: str | None
    categories: list[ParsedCategory]
    warnings: list[str]
    source_hash: str
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def question_count(self) -> int:
        return sum(len(c.questions) for c in self.categories)

    @property
    def answer_count(self) -> int:
        return sum(1 for c in self.categories for q in c.questions if q.answer)

    @property
    def summary(self) -> str:
        return f"{self.question_count} questions in {len(self.categories)} categories"


def grouped_warnings(issues: list[ImportIssue], *, shown: int = SHOWN) -> list[str]:
    """Issues by kind: each one when there are few, else a count and the first `shown`."""
    by_kind: dict[str, list[str]] = {}
    for issue in issues:
        by_kind.setdefault(issue.kind, []).append(issue.message)
    lines: list[str] = []
    for kind, messages in by_kind.items():
        if len(messages) <= shown or kind == "confidence":
            lines += messages
        else:
            lines.append(f"{len(messages)} {_ISSUE_HEADERS[kind]}: shown {shown}")
            lines += messages[:shown]
    return lines


def slugify(text: str, *, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "untitled"


def _repair(text: str, **options: object) -> str:
    # uncurl_quotes=False: a correct ’ or “ ” stays as written; only mojibake is repaired.
    return ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, **options)  # type: ignore[arg-type]


def decode_upload(data: bytes, *, max_bytes: int) -> str:
    """Uploaded bytes to text, or ImportRejected with a reason a user can act on."""
    if len(data) > max_bytes:
        raise ImportRejected(
            f"file is {len(data) / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB",
            status=413,
        )
    if not data.strip():
        raise ImportRejected("file is empty")
    if b"\x00" in data[:8192]:
        raise ImportRejected("file looks binary (it contains NUL bytes); expected text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ImportRejected(
                f"file is not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from exc
    # After the mojibake repair: a double-encoded ” carries a C1 control character that the
    # repair removes, so it must not count as a sign of a binary file.
    sample = _repair(text[:8192], unescape_html=False)
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    if controls > 8:
        raise ImportRejected("file looks binary (control characters); expected text")
    return text


_NEEDS_REPAIR = re.compile(r"[^\t\n\r\x20-\x25\x27-\x7e]")


def clean_text(text: str) -> str:
    """Repair mojibake ("Hereâ€™s" → "Here’s") and normalise line ends."""
    # Plain ASCII without entities or control characters has nothing to repair: skip ftfy.
    if _NEEDS_REPAIR.search(text):
        text = _repair(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _strip_markup(text: str) -> str:
    """Bold and italic markers out; code spans (`**kwargs`) kept as written."""
    if "*" not in text and "_" not in text:
        return " ".join(text.split())
    parts = re.split(r"(`+[^`]*`+)", text)
    for i in range(0, len(parts), 2):
        part = re.sub(r"(\*\*|__)(.+?)\1", r"\2", parts[i])
        part = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"\1", part)
        parts[i] = part.replace("**", "")
    return " ".join("".join(parts).split())


def _title_text(raw: str) -> str:
    return " ".join(_EMOJI.sub("", _strip_markup(raw)).lstrip(" :-–—").rstrip(" :-–—#").split())


def _heading_title(raw: str) -> str:
    return " ".join(_SECTION_NUMBER.sub("", _title_text(raw).lstrip("# ")).split())


def _extract_labels(text: str) -> tuple[str, str | None, str | None]:
    """Remove bracketed or italic difficulty/kind labels: '[Hard]', '(easy)', '*medium, sql*'."""
    difficulty = kind = None

    def take(match: re.Match[str]) -> str:
        nonlocal difficulty, kind
        inner = next(g for g in match.groups() if g is not None)
        words = [w for w in re.split(r"[\s,;:/·|]+", inner.lower()) if w]
        if not words or not all(w in DIFFICULTIES or w in KINDS or w in _LABELS for w in words):
            return match.group(0)
        for w in words:
            if w in DIFFICULTIES:
                difficulty = w
            elif w in KINDS:
                kind = w
        return " "

    stripped = _TAG_GROUP.sub(take, text)
    return " ".join(stripped.split()), difficulty, kind


def _answer_markers(answer: str) -> tuple[str | None, str | None]:
    """'Difficulty: Hard' or '**Kind:** coding' lines at the top of an answer."""
    difficulty = kind = None
    for match in _MARKER.finditer(answer[:600]):
        label, value = match.group(1).lower(), match.group(2).lower()
        if label in ("difficulty", "level") and value in DIFFICULTIES:
            difficulty = difficulty or value
        elif label in ("kind", "type") and value in KINDS:
            kind = kind or value
    return difficulty, kind


_SQL_WORDS = re.compile(r"\b(sql|quer(?:y|ies)(?!\s+param)|join|union|table|database)\b", re.I)
_CODE_START = re.compile(r"^(write|implement|demonstrate|code|create a function|build)\b", re.I)
_SCENARIO = re.compile(
    r"^(how would you|what steps would you|a [^?]*;? how would you|you are|your )|\bwould you\b",
    re.I,
)
_DESIGN = re.compile(r"\bdesign\b", re.I)
TAG_WORDS = {
    "python": "python",
    "gil": "python",
    "decorator": "python",
    "fastapi": "fastapi",
    "pydantic": "pydantic",
    "sql": "sql",
    "query": "sql",
    "join": "sql",
    "index": "sql",
    "transaction": "sql",
    "redis": "redis",
    "cache": "caching",
    "caching": "caching",
    "docker": "docker",
    "dockerfile": "docker",
    "container": "docker",
    "kubernetes": "kubernetes",
    "pod": "kubernetes",
    "helm": "kubernetes",
    "microservice": "microservices",
    "microservices": "microservices",
    "rest": "rest",
    "restful": "rest",
    "http": "http",
    "oauth2": "security",
    "jwt": "security",
    "xss": "security",
    "cors": "security",
    "security": "security",
    "encryption": "security",
    "aws": "cloud",
    "gcp": "cloud",
    "azure": "cloud",
    "lambda": "cloud",
    "terraform": "devops",
    "ci/cd": "devops",
    "pytest": "testing",
    "test": "testing",
}


def infer_kind(text: str, category: str) -> str:
    """A guess from the wording (the Anki importer uses it; Markdown imports do not)."""
    if _CODE_START.match(text):
        return "sql" if _SQL_WORDS.search(text) else "coding"
    if "scenario" in category.lower():
        return "design" if _DESIGN.search(text) else "scenario"
    if _DESIGN.search(text) and _SCENARIO.search(text):
        return "design"
    if _SCENARIO.search(text) and re.search(
        r"\b(troubleshoot|diagnose|debug|migrate)\b", text, re.I
    ):
        return "scenario"
    return "theory"


def infer_tags(text: str) -> list[str]:
    """Tags for the technologies a question names (never words of its category's title)."""
    text = re.sub(r"\bquery\s+param", "param", text.lower())  # FastAPI, not SQL
    return sorted({TAG_WORDS[w] for w in re.findall(r"[a-z0-9/]+", text) if w in TAG_WORDS})


def question_like(text: str) -> bool:
    text = _strip_markup(text).strip()
    if text.endswith("?"):
        return True
    words = re.findall(r"[a-z]+", text.lower()[:40])
    return bool(words) and words[0] in _QUESTION_WORDS


def _split_number(text: str) -> tuple[int | None, str, bool]:
    """'1. What is X' -> (1, 'What is X', True); the flag says a number or Q prefix was there."""
    match = _NUMBERED.match(text)
    if not match or not match.group("rest"):
        return None, text, False
    raw = match.group("qn") or match.group("n") or match.group("d") or match.group("h")
    # '1.2 What is X': the last part of a section-and-question number.
    return (int(raw.rsplit(".", 1)[-1]) if raw else None), match.group("rest"), True


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


class _Reader:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.events: list[_Event] = []
        self.issues: list[ImportIssue] = []
        self.current: _Question | None = None
        self.region: str | None = None  # the kind of the region's first question
        self.pending = False  # content seen after the current question's own block
        self.list_questions = 0  # questions the current question's list held
        self.title: str | None = None
        self.title_at: tuple[int, int] | None = None  # (event index, line) of the title H1
        self.heading_layout = False
        self.holders: set[int] = set()
        self.headings_seen = 0

    def raw(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end])

    def issue(self, kind: IssueKind, message: str) -> None:
        self.issues.append(ImportIssue(kind, message))

    # -- event helpers
    def ask(self, question: _Question) -> None:
        self.events.append(question)
        self.current = question
        self.pending = False
        if self.region is None:
            self.region = question.kind

    def content(self, start: int, end: int, *, dedent: bool = False) -> None:
        text = self.raw(start, end)
        if dedent:
            text = textwrap.dedent(text)
        if not text.strip():
            return
        if self.current is None:
            return  # preamble or a section's introduction
        if (
            self.current.kind in ("ol", "ul")
            and self.list_questions > 1
            and not self.pending
            and not self.current.answer
        ):
            # Text after a list of several questions is not the last one's answer.
            for offset, line in enumerate(self.lines[start:end]):
                if line.strip():
                    self.issue(
                        "orphan",
                        f"line {start + offset + 1}: text after a list of questions, "
                        f"not taken as an answer: {line.strip()[:60]!r}",
                    )
            return
        self.pending = True
        self.events.append(_Content(text))

    def close_region(self) -> None:
        self.current = None
        self.region = None
        self.pending = False
        self.list_questions = 0

    # -- the walk
    def read(self, blocks: list[_Block], question_levels: set[int], holders: set[int]) -> None:
        # Where questions are headings, a numbered list must read as questions to be some.
        self.heading_layout = bool(question_levels)
        self.holders = holders
        index = 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if block.type == "html_block":
                markup = self.raw(block.start, block.end)
                if _BACK_TO_TOP_HTML.search(markup):
                    continue  # '<a href="#table-of-contents">↥ back to top</a>'
                if not _TAG.sub("", markup).strip():
                    continue  # '<br/>', '<div align="right">': layout, no text
            if self.current is None and self.events and block.type not in ("heading", "hr"):
                last = self.events[-1]
                if isinstance(last, _Heading):
                    last.has_body = True
            if block.type == "heading":
                self.heading(block, question_levels)
            elif (
                block.type == "html_block"
                and "<details" in self.raw(block.start, block.end).lower()
            ):
                index = self.details(blocks, index - 1)
            elif block.type == "paragraph" and self.current is not None and not self.current.text:
                # The question under a bare '### Question 12' heading.
                lines = self.lines[block.start : block.end]
                self.current.text, answer = self._question_lines(lines)
                if answer:
                    self.current.answer.append(answer)
            elif self.current is not None and self.current.kind in ("heading", "details"):
                if block.type != "hr":
                    self.content(block.start, block.end)
            elif block.type in ("ordered_list", "bullet_list"):
                self.read_list(block)
            elif block.type == "paragraph":
                self.paragraph(block)
            elif block.type == "hr" or (
                block.type == "table" and self.region in (None, "table") and self.table(block)
            ):
                continue  # a rule; or a table of questions, read
            else:  # fence, code_block, table, blockquote, other HTML: answer text only
                self.content(block.start, block.end)

    def heading(self, block: _Block, question_levels: set[int]) -> None:
        raw = block.inline
        self.headings_seen += 1
        cur = self.current
        title = _title_text(raw)
        if cur is not None and title.lower().rstrip(":. ") in _LABEL_WORDS:
            self.content(block.start, block.end)  # '### Answer': part of the answer
            return
        if _BARE_LABEL.match(title):
            number, _, _ = _split_number(title + " x")
            self.region = "heading"
            self.ask(_Question("heading", number, "", block.start + 1, level=block.level))
            return
        asking = (
            block.level in question_levels
            and block.start not in self.holders
            and _is_question_heading(raw)
        )
        if (
            cur is not None
            and cur.kind == "heading"
            and block.level > cur.level
            and not (asking and _split_number(_title_text(raw))[2])
        ):
            self.content(block.start, block.end)  # a heading inside an answer
            return
        if asking:
            number, rest, _ = _split_number(_title_text(raw))
            self.region = "heading"
            self.ask(_Question("heading", number, rest, block.start + 1, level=block.level))
            return
        self.close_region()
        if _title_text(raw).lower() in _CONTENTS:
            return  # navigation, never a category
        if (
            block.level == 1
            and self.title is None
            and self.headings_seen == 1
            and not any(isinstance(e, _Question) for e in self.events)
        ):
            self.title = _title_text(raw)[:TITLE_MAX] or None
            self.title_at = (len(self.events), block.start + 1)
            return
        self.events.append(_Heading(block.level, _heading_title(raw), block.start + 1))

    def details(self, blocks: list[_Block], index: int) -> int:
        """A run of blocks from a '<details' block to the block that closes it."""
        depth, j = 0, index
        while j < len(blocks):
            content = self.raw(blocks[j].start, blocks[j].end).lower()
            depth += content.count("<details") - content.count("</details")
            j += 1
            if depth <= 0:
                break
        start, end = blocks[index].start, blocks[j - 1].end
        source = self.raw(start, end)
        found = False
        for match in _DETAILS.finditer(source):
            summary = html.unescape(_TAG.sub("", match.group("summary") or "")).strip()
            number, text, _ = _split_number(_strip_markup(summary))
            line = start + source[: match.start()].count("\n") + 1
            body = textwrap.dedent(match.group("body").strip("\n")).strip()
            body = re.sub(r"^(?:<br\s*/?>\s*)+", "", body)
            if body.startswith("<b>") and body.endswith("</b>"):
                body = body[3:-4].strip()  # '<summary>Q</summary><br><b>answer</b>'
            if _is_label(text):
                # '<summary>Answer</summary>': the current question's hidden answer.
                found = True
                if self.current is not None and body:
                    self.pending = True
                    self.events.append(_Content(body))
                continue
            if self.region not in (None, "details"):
                continue  # part of another layout's answer: kept below as written
            if not text.strip():
                self.issue("empty", f"line {line}: <details> block without a <summary> skipped")
                continue
            found = True
            self.region = "details"
            question = _Question("details", number, text, line)
            self.ask(question)
            if body:
                question.answer.append(body)
        if not found and self.current is not None:
            self.content(start, end)
        self.pending = True
        return j

    def table(self, block: _Block) -> bool:
        """A table with a 'Question' column: a question per row, its 'Answer' cell the answer.
        False when it is not one (a table of contents links its rows)."""
        rows = [_cells(line) for line in self.lines[block.start : block.end]]
        if len(rows) < 3:
            return False
        header = [_strip_markup(c).lower() for c in rows[0]]
        ask = next((i for i, h in enumerate(header) if re.match(r"questions?\b", h)), None)
        if ask is None:
            return False
        answer = next(
            (
                i
                for i, h in enumerate(header)
                if re.match(r"(answers?|solutions?|explanation)\b", h)
            ),
            None,
        )
        numbered = next(
            (i for i, h in enumerate(header) if h.rstrip(".") in ("#", "no", "sno", "s.no", "n")),
            None,
        )
        body = [(block.start + 2 + n, r) for n, r in enumerate(rows[2:]) if len(r) > ask]
        if not body or sum(1 for _, r in body if _LINK_ONLY.match(r[ask])) * 2 >= len(body):
            return False
        for line, row in body:
            text = row[ask].strip()
            if not _strip_markup(text):
                continue
            number = None
            if numbered is not None and numbered < len(row) and row[numbered].strip().isdigit():
                number = int(row[numbered].strip())
            question = _Question("table", number, text, line + 1)
            self.ask(question)
            if answer is not None and answer < len(row) and row[answer].strip():
                question.answer.append(re.sub(r"<br\s*/?>", "\n", row[answer].strip()))
        self.pending = True
        return True

    def read_list(self, block: _Block) -> None:
        items = _items(block)
        kind = "ol" if block.type == "ordered_list" else "ul"
        firsts = [_first_line(self.lines, it) for it in items]
        if items and sum(1 for t in firsts if _LINK_ONLY.match(t)) * 2 >= len(items):
            # A table of contents: links to the sections below.
            if self.current is not None and self.pending:
                self.content(block.start, block.end)
            return
        if self.region not in (None, kind):
            self.content(block.start, block.end)
            return
        likely = sum(1 for t in firsts if question_like(t))
        if (kind == "ul" or self.heading_layout) and likely * 2 < len(items):
            self.content(block.start, block.end)  # tips, key points: not questions
            return
        from_this_list = 0
        steps: list[_Item] = []  # a run of items that belong to the current answer
        for item, first_line in zip(items, firsts, strict=True):
            number = item.number
            if kind == "ol" and from_this_list == 0 and self.current is not None and self.pending:
                last = self.current.number or 0
                starts_next = not steps and number == last + 1
                if not (starts_next or (question_like(first_line) and (number or 0) > last)):
                    # Numbered steps inside the current question's answer.
                    steps.append(item)
                    continue
            if steps:
                self.content(steps[0].start, steps[-1].end)
                steps = []
            question = self.item_question(kind, number, item)
            if question is None:
                continue
            from_this_list += 1
            self.ask(question)
            self.list_questions = from_this_list
            if item.para and item.para[1] < item.end:
                rest = textwrap.dedent(self.raw(item.para[1], item.end)).strip()
                if rest:
                    question.answer.append(rest)
        if steps:
            self.content(steps[0].start, steps[-1].end)

    def item_question(self, kind: str, number: int | None, item: _Item) -> _Question | None:
        if item.para is None:
            self.issue("empty", f"line {item.start + 1}: list item without text skipped")
            return None
        lines = self.lines[item.para[0] : item.para[1]]
        text, answer = self._question_lines([_first_line(self.lines, item), *lines[1:]])
        inner, rest, prefixed = _split_number(_strip_markup(text))
        if prefixed and re.match(
            r"^\W*(?:Q(?:uestion)?\s*#?\s*\d*\s*[.):\-–—]|\d{1,7}\s*[.):])", text, re.I
        ):
            number, text = (number if number is not None else inner), rest  # '- **Q1:** ...'
        if not _strip_markup(text):
            self.issue("empty", f"line {item.start + 1}: numbered item without text skipped")
            return None
        q = _Question(kind, number, text, item.start + 1)
        if answer:
            q.answer.append(answer)
        return q

    @staticmethod
    def _question_lines(lines: list[str]) -> tuple[str, str]:
        """The question's lines (the first, plus indented continuations of an unfinished
        question) and the answer text that follows them in the same paragraph."""
        text = lines[0].strip()
        rest = lines[1:]
        # A bold first line ('**What is Docker?**') is the whole question.
        whole = bool(re.fullmatch(r"(\*\*|__)[^*_].*\1:?", text))
        while (
            rest
            and not whole
            and not _strip_markup(_extract_labels(text)[0]).endswith("?")
            and rest[0][:1] in (" ", "\t")
        ):
            if _ANSWER_LABEL.match(rest[0]):
                break
            text = f"{text} {rest.pop(0).strip()}"
        return text, "\n".join(r.strip() for r in rest).strip()

    def paragraph(self, block: _Block) -> None:
        lines = self.lines[block.start : block.end]
        starts = [i for i, line in enumerate(lines) if _is_q_line(line)]
        # An explicit 'Q3.' line is a question whichever layout the section began with.
        explicit = bool(starts) and bool(_Q_PREFIX.match(lines[0]))
        if (self.region in (None, "p") or explicit) and starts and starts[0] == 0:
            many = len(starts) > 1
            for n, i in enumerate(starts):
                stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
                chunk = lines[i:stop]
                number, first = _q_line(chunk[0])
                lead = _BOLD_LEAD.match(chunk[0]) if not _Q_LINE.match(chunk[0]) else None
                if many:
                    kept = [chunk[0]]
                    for offset, line in enumerate(chunk[1:], start=1):
                        if line[:1] in (" ", "\t") or _ANSWER_LABEL.match(line):
                            kept.append(line)
                        else:
                            self.issue(
                                "stray",
                                f"line {block.start + i + offset + 1}: skipped, not a heading "
                                f"or numbered question: {line.strip()[:60]!r}",
                            )
                    chunk = kept
                if lead is not None:  # the answer begins on the question's line
                    tail = [lead.group("tail"), *chunk[1:]]
                    text, answer = first, "\n".join(c.strip() for c in tail).strip()
                else:
                    text, answer = self._question_lines([first, *chunk[1:]])
                if not _strip_markup(text):
                    self.issue(
                        "empty", f"line {block.start + i + 1}: question without text skipped"
                    )
                    continue
                question = _Question("p", number, text, block.start + i + 1)
                self.ask(question)
                self.list_questions = 0
                if answer:
                    question.answer.append(answer)
            return
        if (
            self.region in (None, "p")
            and len(lines) > 1
            and all(line.rstrip().endswith("?") for line in lines)
        ):
            for offset, line in enumerate(lines):  # a plain list of questions, one a line
                self.ask(_Question("p", None, line.strip(), block.start + offset + 1))
                self.list_questions = 0
            return
        if len(lines) == 1 and (section := _section_line(lines[0])):
            self.events.append(_Section(section, lines[0].strip()))
            return
        self.content(block.start, block.end)


_SUMMARY_LABELS = _words(
    "answer|answers|show answer|see answer|view answer|reveal answer|solution|show solution|"
    "explanation|click to expand|click here|click to see|reveal|expand|show|hint|details|"
    "output|code|example|spoiler|more|read more",
    "|",
)


def _is_label(text: str) -> bool:
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    return " ".join(words) in _SUMMARY_LABELS or (
        bool(words) and words[0] in ("answer", "solution", "show", "click", "reveal")
    )


def _cells(line: str) -> list[str]:
    """A table row's cells ('\\|' is a literal bar)."""
    line = line.strip()
    line = line.removeprefix("|")
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.replace("\\|", "|").strip() for c in re.split(r"(?<!\\)\|", line)]


# '**What is X?** X is ...': a bold question with its answer on the same line.
_BOLD_LEAD = re.compile(r"^\s{0,3}(\*\*|__)(?P<inner>[^*_][^*]*?\?)\1\s+(?P<tail>\S.*)$")


def _is_q_line(line: str) -> bool:
    if _Q_LINE.match(line) or _BOLD_LEAD.match(line):
        return True
    bold = _BOLD_LINE.match(line)
    if bold is None:
        return False
    inner = _strip_markup(bold.group("inner")).rstrip()
    _, rest, prefixed = _split_number(inner)
    return inner.endswith("?") or (prefixed and question_like(rest))


def _q_line(line: str) -> tuple[int | None, str]:
    match = _Q_LINE.match(line)
    if match:
        raw = match.group("qn") or match.group("bn") or match.group("dn")
        rest = match.group("rest")
        rest = re.sub(r"^(?:\*\*|__)\s*", "", rest)
        if rest.count("**") % 2:
            rest = rest.replace("**", "", 1) if rest.startswith("**") else rest.replace("**", "")
        return (int(raw) if raw else None), rest
    lead = _BOLD_LEAD.match(line)
    if lead is not None:
        number, rest, _ = _split_number(_strip_markup(lead.group("inner")))
        return number, rest
    bold = _BOLD_LINE.match(line)
    assert bold is not None
    number, rest, _ = _split_number(_strip_markup(bold.group("inner")))
    return number, rest


def _section_line(line: str) -> str | None:
    """'**Caching**', 'Part 2: SQL', 'Databases:' alone on a line: a section's name."""
    stripped = line.strip()
    bold = _BOLD_LINE.match(line)
    if bold:
        text = bold.group("inner")
    elif stripped.endswith(":") or _SECTION_WORDS.match(stripped):
        text = stripped
    else:
        return None
    title = _heading_title(text).rstrip(":").strip()
    if (
        not title
        or len(title.split()) > 6
        or title.lower().rstrip(".") in _LABEL_WORDS
        or question_like(title)
        or title.endswith(".")
    ):
        return None
    return title


# Unnumbered headings that start with these words read as questions ('### Explain the GIL').
_HEADING_QUESTION_WORDS = _words(
    "what why how when where which who explain describe define compare differentiate "
    "distinguish difference differences can could is are does do did should would will"
)


def _is_question_heading(raw: str) -> bool:
    title = _title_text(raw)
    _, rest, prefixed = _split_number(title)
    if title.endswith("?"):
        return True
    if prefixed:
        return question_like(rest)
    words = re.findall(r"[a-z]+", title.lower()[:30])
    return bool(words) and words[0] in _HEADING_QUESTION_WORDS


def _question_levels(blocks: list[_Block], lines: list[str]) -> tuple[set[int], set[int]]:
    """Heading levels at which questions are headings (most numbered or Q-prefixed headings
    there read as questions and do not each hold a list of questions), and the first lines of
    the asking headings that do hold one (sections, not questions)."""
    holders: set[int] = set()
    per_level: dict[int, list[int]] = {}
    for i, block in enumerate(blocks):
        if block.type == "heading":
            per_level.setdefault(block.level, []).append(i)
    levels: set[int] = set()
    for level, all_indexes in per_level.items():
        titles = {i: _title_text(blocks[i].inline) for i in all_indexes}
        # '### Answer' inside answers and bare '### Question 3' labels do not vote.
        indexes = [
            i
            for i in all_indexes
            if titles[i].lower().rstrip(":. ") not in _LABEL_WORDS
            and not _BARE_LABEL.match(titles[i])
        ]
        asking = [i for i in indexes if _is_question_heading(blocks[i].inline)]
        numbered = [i for i in indexes if _split_number(_title_text(blocks[i].inline))[2]]
        held: set[int] = set()
        for i in asking:
            # A heading over a list of questions is a section ('## Why Python?' over '1. ...?'),
            # and so is one that asks only by its first word ('## Do More') over a list.
            items = asked = 0
            by_word = not titles[i].endswith("?") and not _split_number(titles[i])[2]
            first = blocks[i + 1] if i + 1 < len(blocks) else None
            listed = first is not None and first.type in ("ordered_list", "bullet_list")
            for j in range(i + 1, len(blocks)):
                b = blocks[j]
                if b.type == "heading" and b.level <= level:
                    break
                if b.type == "heading":
                    items = asked = 0  # a deeper heading groups its own lists
                if b.type in ("ordered_list", "bullet_list"):
                    firsts = [_first_line(lines, it) for it in _items(b)]
                    items += sum(1 for t in firsts if question_like(t))
                    asked += sum(1 for t in firsts if _extract_labels(t)[0].endswith("?"))
            if items >= 3 or asked >= 1 or (by_word and listed):
                held.add(i)
        holders |= {blocks[i].start for i in held}
        kept = [i for i in asking if i not in held]
        others = len(indexes) - len(held)
        mostly = len(kept) * 2 >= others
        many = len(kept) >= 3 and len(kept) * 2 >= len((set(kept) | set(numbered)) - held)
        if kept and (mostly or many):
            levels.add(level)
    return levels, holders


# Phase 2: categories and answers ------------------------------------------------------------


@dataclass
class _Placed:
    question: _Question
    path: tuple[int, ...]  # ids of the category headings above it, outermost first
    section: int | None  # id of the section line above it


def _blank_front_matter(text: str) -> str:
    """YAML front matter ('---' ... '---' at the top) as blank lines: line numbers stay."""
    if not text.startswith("---\n"):
        return text
    lines = text.split("\n")
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            if any(":" in line for line in lines[1:end]):
                return "\n" * end + "\n".join(lines[end:]).replace("---", "", 1)
            break
    return text


def parse_markdown(text: str, *, answers: bool = True) -> ParsedTrack:
    """Parse a question list. Raises ImportRejected when it holds no question."""
    text = clean_text(text)
    source_hash = hashlib.sha256(text.encode()).hexdigest()
    text = _blank_front_matter(text)
    blocks = _blocks(_MD.parse(text))
    reader = _Reader(text)
    levels, holders = _question_levels(blocks, reader.lines)
    reader.read(blocks, levels, holders)

    events = reader.events
    title = reader.title
    if title is not None and reader.title_at is not None:
        # '# Python' with questions under it, then '# SQL': the first H1 names a section too.
        at, line = reader.title_at
        following = next(
            (i for i in range(at, len(events)) if isinstance(events[i], _Heading)), None
        )
        direct = any(isinstance(e, _Question) for e in events[at:following])
        other_h1 = any(isinstance(e, _Heading) and e.level == 1 for e in events[at:])
        if direct and other_h1:
            events.insert(at, _Heading(1, _heading_title(title), line))
            title = None
    headings: list[_Heading] = []
    sections: list[_Section] = []
    placed: list[_Placed] = []
    stack: list[tuple[int, int]] = []  # (level, heading id)
    section: int | None = None
    current: _Question | None = None
    for pos, event in enumerate(events):
        if isinstance(event, _Heading):
            headings.append(event)
            while stack and stack[-1][0] >= event.level:
                stack.pop()
            stack.append((event.level, len(headings) - 1))
            section, current = None, None
        elif isinstance(event, _Section):
            nxt = events[pos + 1] if pos + 1 < len(events) else None
            if isinstance(nxt, _Question):
                sections.append(event)
                section = len(sections) - 1
            elif current is not None:
                current.answer.append(event.text)
        elif isinstance(event, _Question):
            if not _strip_markup(_extract_labels(event.text)[0]):
                reader.issue("empty", f"line {event.line}: question without text skipped")
                current = None
                continue
            current = event
            if event.kind == "heading":
                # A question heading ends the sections at its level ('## Contents', '## 1. ...').
                # A heading right above it at its own level names its section; one with a
                # body of its own (contents, an introduction) does not.
                while stack and (
                    stack[-1][0] > event.level
                    or (stack[-1][0] == event.level and headings[stack[-1][1]].has_body)
                ):
                    stack.pop()
            placed.append(_Placed(event, tuple(h for _, h in stack), section))
        elif current is not None:
            current.answer.append(event.text)

    if not placed:
        raise ImportRejected(
            "no numbered questions found (expected lines such as '1. What is ...?', "
            "'## Q1: What is ...?', '- What is ...?' or <details><summary>...</summary>)"
        )
    groups = _choose_groups(placed, headings, sections)
    categories = _categories(placed, groups, headings, sections)
    # Unnumbered questions (bullets, <details>, bold lines) continue the numbering.
    next_number = 0
    numbered = sorted((q for c in categories for q in c.questions), key=lambda q: q.line)
    for q in numbered:
        if q.number < 0:
            q.number = next_number + 1
        next_number = q.number
    if not answers:
        for q in numbered:
            q.answer = ""
    _assign_slugs(categories)
    issues = reader.issues + _confidence(categories)
    return ParsedTrack(
        title=title,
        categories=categories,
        warnings=grouped_warnings(issues),
        source_hash=source_hash,
        issues=issues,
    )


def _choose_groups(
    placed: list[_Placed], headings: list[_Heading], sections: list[_Section]
) -> list[str]:
    """A group key per question: the heading at the level that groups the questions (the
    deepest level where most groups hold more than one question), else section lines."""
    levels = sorted({headings[h].level for p in placed for h in p.path})

    def key_at(p: _Placed, level: int) -> str:
        above = [h for h in p.path if headings[h].level <= level]
        if above:
            return f"h{above[-1]}"
        return f"h{p.path[0]}" if p.path else "none"

    if levels:
        chosen = levels[0]
        for level in levels:
            counts = Counter(key_at(p, level) for p in placed)
            singles = sum(1 for n in counts.values() if n == 1)
            if singles * 2 <= len(counts) or len(counts) == 1:
                chosen = level
        return [key_at(p, chosen) for p in placed]
    if sections:
        return [f"s{p.section}" if p.section is not None else "none" for p in placed]
    return ["none"] * len(placed)


def _categories(
    placed: list[_Placed], groups: list[str], headings: list[_Heading], sections: list[_Section]
) -> list[ParsedCategory]:
    by_key: dict[str, ParsedCategory] = {}
    parents: dict[str, str] = {}
    for p, key in zip(placed, groups, strict=True):
        cat = by_key.get(key)
        if cat is None:
            if key.startswith("h"):
                title = headings[int(key[1:])].title or DEFAULT_CATEGORY
                outer = [h for h in p.path if h < int(key[1:])]
                parents[key] = headings[outer[-1]].title if outer else ""
            elif key.startswith("s"):
                title = sections[int(key[1:])].title
            else:
                title = DEFAULT_CATEGORY
            cat = by_key[key] = ParsedCategory(title=title, slug=slugify(title))
        cat.questions.append(_finish(p.question))
    categories = list(by_key.values())
    # Same-named sections from different places stay apart: qualified by their parent.
    seen: dict[str, int] = {}
    keys = list(by_key)
    slugs = Counter(c.slug for c in categories)
    for key, cat in zip(keys, categories, strict=True):
        if slugs[cat.slug] > 1 and parents.get(key):
            cat.title = f"{parents[key]}: {cat.title}"
            cat.slug = slugify(cat.title)
    for cat in categories:
        seen[cat.slug] = seen.get(cat.slug, 0) + 1
        if seen[cat.slug] > 1:
            cat.title = f"{cat.title} ({seen[cat.slug]})"
            cat.slug = f"{cat.slug}-{seen[cat.slug]}"
        cat.title = cat.title[:TITLE_MAX]  # the column's width
    return categories


def _finish(q: _Question) -> ParsedQuestion:
    body, difficulty, kind = _extract_labels(q.text)
    body = _strip_markup(body)
    answer = "\n\n".join(a.strip("\n") for a in q.answer if a.strip()).strip()
    answer = _BACK_TO_TOP.sub("", answer).strip()
    if re.fullmatch(r"[*_\s]*(?:todo|to do|tbd|coming soon|n/a|answer)[*_.:!\s]*", answer, re.I):
        answer = ""  # a placeholder, not an answer
    answer = _ANSWER_LABEL.sub("", answer, count=1).strip() if answer else ""
    a_difficulty, a_kind = _answer_markers(answer)
    return ParsedQuestion(
        number=-1 if q.number is None else q.number,
        text=body,
        line=q.line,
        kind=kind or a_kind,
        difficulty=difficulty or a_difficulty,
        tags=infer_tags(body),
        answer=answer,
    )


def answer_summary(answer: str, *, limit: int = 300) -> str:
    """The answer's first paragraph of prose as plain text (code, tables, headings skipped)."""
    fence: str | None = None
    paragraph: list[str] = []
    for line in answer.split("\n"):
        stripped = line.strip()
        opener = re.match(r"^(`{3,}|~{3,})", stripped)
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        if opener:
            if paragraph:
                break
            fence = opener.group(1)[:3]
            continue
        if not stripped:
            if paragraph:
                break
            continue
        if stripped.startswith(("|", "#", "<", ">")) or line.startswith(("    ", "\t")):
            if paragraph:
                break
            continue
        paragraph.append(re.sub(r"^(?:[-*+]|\d{1,9}[.)])\s+", "", stripped))
    text = _strip_markup(_TAG.sub("", " ".join(paragraph)))
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " …"


def _confidence(categories: list[ParsedCategory]) -> list[ImportIssue]:
    """Warnings for a result that looks wrong, so a bad import is not silent."""
    issues: list[ImportIssue] = []
    questions = [q for c in categories for q in c.questions]
    short = [q for q in questions if len(q.text) < 10]
    if short and len(short) * 10 >= len(questions):
        issues.append(
            ImportIssue(
                "confidence",
                f"check the result: {len(short)} of {len(questions)} questions are shorter "
                f"than 10 characters (e.g. {short[0].text!r} on line {short[0].line})",
            )
        )
    singles = sum(1 for c in categories if len(c.questions) == 1)
    if len(categories) >= 3 and singles * 2 > len(categories):
        issues.append(
            ImportIssue(
                "confidence",
                f"check the result: {singles} of {len(categories)} categories hold a single "
                "question; are the headings questions or sub-sections?",
            )
        )
    if len(categories) > len(questions) / 1.5 and len(categories) >= 3:
        issues.append(
            ImportIssue(
                "confidence",
                f"check the result: {len(categories)} categories for {len(questions)} questions",
            )
        )
    return issues


def _assign_slugs(categories: list[ParsedCategory]) -> None:
    """q<number>, and q<number>-2, -3 ... when a number is used again: both are kept."""
    used: dict[int, int] = {}
    for cat in categories:
        for q in cat.questions:
            used[q.number] = used.get(q.number, 0) + 1
            q.slug = f"q{q.number}" if used[q.number] == 1 else f"q{q.number}-{used[q.number]}"

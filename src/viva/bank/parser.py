"""Reads Markdown question lists (like the seed file) into categories and questions.

Pure functions, no database: headings become categories, numbered items become questions,
the preamble and sections without numbered items (tips) are ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

from viva.bank.answers import DIFFICULTIES, KINDS
from viva.errors import ImportRejected

DEFAULT_CATEGORY = "General"
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_HEADING = re.compile(r"^\s{0,3}(?:\*\*|__)([^*_].*?)(?:\*\*|__)\s*:?\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
# 1. text | 1) text | Q1. text | Q1: text | **1.** text | **Q1.** text | 1 - text
_ITEM = re.compile(
    r"^\s{0,3}(?:[-*+]\s+)?(?:\*\*|__)?\s*(?:Q(?:uestion)?\s*)?(\d{1,4})\s*(?:[.):]|\s-|\s–)\s*(?:\*\*|__)?\s+(\S.*)$",
    re.IGNORECASE,
)
_TAG_GROUP = re.compile(
    r"(?:\[([^\[\]]{1,60})\]|\(([^()]{1,60})\)|(?<![*\w])\*([^*]{1,60})\*(?!\*)|(?<![_\w])_([^_]{1,60})_(?!_))"
)
_LABELS = {"difficulty", "kind", "level"}
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]")
_SECTION_NUMBER = re.compile(r"^(?:section\s+)?\d{1,3}[.):]?\s+", re.IGNORECASE)


@dataclass
class ParsedQuestion:
    number: int
    text: str
    line: int
    kind: str
    difficulty: str
    tags: list[str]
    slug: str = ""

    @property
    def content_hash(self) -> str:
        raw = json.dumps([self.number, self.text, self.kind, self.difficulty, self.tags])
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@dataclass
class ParsedCategory:
    title: str
    slug: str
    questions: list[ParsedQuestion] = field(default_factory=list)


@dataclass
class ParsedTrack:
    title: str | None
    categories: list[ParsedCategory]
    warnings: list[str]
    source_hash: str

    @property
    def question_count(self) -> int:
        return sum(len(c.questions) for c in self.categories)

    @property
    def summary(self) -> str:
        return f"{self.question_count} questions in {len(self.categories)} categories"


def slugify(text: str, *, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "untitled"


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
    controls = sum(
        1 for ch in text[:8192] if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f"
    )
    if controls > 8:
        raise ImportRejected("file looks binary (control characters); expected text")
    return text


def clean_text(text: str) -> str:
    """Repair mojibake ("Hereâ€™s" → "Here's") and normalise line ends."""
    text = ftfy.fix_text(text, normalization="NFC")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _strip_markup(text: str) -> str:
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)", r"\1", text)
    text = text.replace("**", "")
    return " ".join(text.split())


def _heading_title(raw: str) -> str:
    title = _EMOJI.sub("", _strip_markup(raw)).strip(" :-–—")
    title = _SECTION_NUMBER.sub("", title)
    return " ".join(title.split())


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


def infer_tags(text: str, category_slug: str) -> list[str]:
    first = category_slug.split("-")[0]
    tags = {TAG_WORDS.get(first, first)} if first else set()
    for word in re.findall(r"[a-z0-9/]+", text.lower()):
        if word in TAG_WORDS:
            tags.add(TAG_WORDS[word])
    return sorted(tags)


def parse_markdown(text: str) -> ParsedTrack:
    """Parse a question list. Raises ImportRejected when it holds no numbered question."""
    text = clean_text(text)
    source_hash = hashlib.sha256(text.encode()).hexdigest()
    title: str | None = None
    warnings: list[str] = []
    categories: list[ParsedCategory] = []
    current: ParsedCategory | None = None
    last: ParsedQuestion | None = None

    def open_category(name: str) -> ParsedCategory:
        nonlocal current
        current = ParsedCategory(title=name, slug=slugify(name))
        categories.append(current)
        return current

    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line.strip() or _RULE.match(line):
            continue
        heading = _HEADING.match(line) or _BOLD_HEADING.match(line)
        item = _ITEM.match(line)
        if heading and not item:
            name = _heading_title(heading.group(heading.lastindex or 1))
            if heading.re is _HEADING and len(heading.group(1)) == 1 and title is None:
                title = name
                continue
            open_category(name or DEFAULT_CATEGORY)
            last = None
            continue
        if item:
            body, difficulty, kind = _extract_labels(item.group(2))
            body = _strip_markup(body)
            if not body:
                warnings.append(f"line {lineno}: numbered item without text skipped")
                continue
            cat = current or open_category(DEFAULT_CATEGORY)
            last = ParsedQuestion(
                number=int(item.group(1)),
                text=body,
                line=lineno,
                kind=kind or infer_kind(body, cat.title),
                difficulty=difficulty or "medium",
                tags=infer_tags(body, cat.slug),
            )
            cat.questions.append(last)
            continue
        if last is not None and raw[:1] in (" ", "\t"):
            # An indented line continues the question above it.
            last.text = f"{last.text} {_strip_markup(line)}"
            continue
        if current is not None and current.questions:
            warnings.append(
                f"line {lineno}: skipped, not a heading or numbered question: {line.strip()[:60]!r}"
            )
        last = None

    kept = [c for c in categories if c.questions]
    if not kept:
        raise ImportRejected(
            "no numbered questions found (expected lines such as '1. What is ...?')"
        )
    merged: dict[str, ParsedCategory] = {}
    for cat in kept:
        if cat.slug in merged:
            merged[cat.slug].questions.extend(cat.questions)
        else:
            merged[cat.slug] = cat
    _assign_slugs(list(merged.values()))
    return ParsedTrack(
        title=title, categories=list(merged.values()), warnings=warnings, source_hash=source_hash
    )


def _assign_slugs(categories: list[ParsedCategory]) -> None:
    """q<number>, and q<number>-2, -3 ... when a number is used again: both are kept."""
    used: dict[int, int] = {}
    for cat in categories:
        for q in cat.questions:
            used[q.number] = used.get(q.number, 0) + 1
            q.slug = f"q{q.number}" if used[q.number] == 1 else f"q{q.number}-{used[q.number]}"

"""What the parser returns: parsed questions, categories, tracks and import issues."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

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

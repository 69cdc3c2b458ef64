"""Model answers: Markdown files with YAML front matter, one per seed question.

The files live in ``viva/content/answers/NNN.md``; this module parses and validates them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

# libyaml's scanner and parser under PyYAML's safe constructor (the same values, about 3x
# faster over the 100 answer files' front matter); the pure-Python loader where PyYAML was
# built without libyaml.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ANSWERS_DIR = Path(__file__).resolve().parent.parent / "content" / "answers"
KINDS = ("theory", "coding", "sql", "scenario", "design")
DIFFICULTIES = ("easy", "medium", "hard")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_FILE_NAME = re.compile(r"^(\d{3})\.md$")
_REVIEWED = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class AnswerFormatError(ValueError):
    """An answer file that does not follow the documented format."""


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: its language, flags from the info string and its source."""

    language: str
    flags: frozenset[str]
    source: str
    line: int

    @property
    def runnable(self) -> bool:
        return "norun" not in self.flags


@dataclass(frozen=True)
class ModelAnswer:
    number: int
    summary: str
    explanation: str
    key_points: list[str]
    pitfalls: list[str]
    follow_ups: list[str]
    difficulty: str
    kind: str
    tags: list[str]
    references: list[str]
    in_viva: list[str] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    # How candidates may say this answer's terms: {"field_validator": ["validators", ...]}.
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    # How candidates misstate a key point in their own words, keyed like ``synonyms``:
    # {"new connections are costly": ["opening connections is basically free"]}.
    wrong_claims: dict[str, list[str]] = field(default_factory=dict)
    # Review metadata (docs/answer-format.md): not content, so not in the hash or the database.
    reviewed: str | None = None
    checked_against: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        raw = "\x1f".join(
            [
                self.summary,
                self.explanation,
                *self.key_points,
                *self.pitfalls,
                *self.follow_ups,
                self.difficulty,
                self.kind,
                *self.tags,
                *self.references,
                *self.in_viva,
            ]
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "summary": self.summary,
            "explanation": self.explanation,
            "key_points": self.key_points,
            "pitfalls": self.pitfalls,
            "follow_ups": self.follow_ups,
            "difficulty": self.difficulty,
            "kind": self.kind,
            "tags": self.tags,
            "references": self.references,
            "in_viva": self.in_viva,
        }


def _str_list(meta: dict[str, Any], key: str, *, where: str, required: bool = True) -> list[str]:
    value = meta.get(key)
    if value is None and not required:
        return []
    if isinstance(value, str) and not required:
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise AnswerFormatError(f"{where}: '{key}' must be a list of non-empty strings")
    return [v.strip() for v in value]


def _review(meta: dict[str, Any], *, where: str) -> tuple[str | None, list[str]]:
    """`reviewed: YYYY-MM` and `checked_against: [...]`: optional, but only together."""
    reviewed = meta.get("reviewed")
    checked = _str_list(meta, "checked_against", where=where, required=False)
    if reviewed is None and not checked:
        return None, []
    if not isinstance(reviewed, str) or not _REVIEWED.match(reviewed):
        raise AnswerFormatError(
            f"{where}: 'reviewed' must be a year and month such as 2026-12 (quoted if YAML "
            f"reads it as a date), got {reviewed!r}"
        )
    if not checked:
        raise AnswerFormatError(f"{where}: 'reviewed' needs 'checked_against' (the versions)")
    return reviewed, checked


def _synonyms(meta: dict[str, Any], *, where: str, key: str = "synonyms") -> dict[str, list[str]]:
    """A map of a key point's term to phrases: ``synonyms:`` and ``wrong_claims:``."""
    value = meta.get(key)
    if value is None:
        return {}
    message = f"{where}: '{key}' must map a term to a list of non-empty strings"
    if not isinstance(value, dict):
        raise AnswerFormatError(message)
    synonyms: dict[str, list[str]] = {}
    for term, alternatives in value.items():
        if isinstance(alternatives, str):
            alternatives = [alternatives]
        if (
            not isinstance(term, str)
            or not term.strip()
            or not isinstance(alternatives, list)
            or not all(isinstance(a, str) and a.strip() for a in alternatives)
        ):
            raise AnswerFormatError(message)
        synonyms[term.strip()] = [a.strip() for a in alternatives]
    return synonyms


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced block, with the info string split into language and flags."""
    blocks = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type != "fence":
            continue
        words = token.info.strip().lower().split()
        language = words[0] if words else "text"
        line = (token.map[0] + 1) if token.map else 0
        blocks.append(CodeBlock(language, frozenset(words[1:]), token.content, line))
    return blocks


def parse_answer(text: str, *, number: int, where: str = "answer") -> ModelAnswer:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise AnswerFormatError(f"{where}: missing '---' front matter")
    try:
        meta = yaml.load(match.group(1), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise AnswerFormatError(f"{where}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise AnswerFormatError(f"{where}: front matter must be a mapping")
    body = match.group(2).strip()
    summary = meta.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise AnswerFormatError(f"{where}: 'summary' is required")
    difficulty = meta.get("difficulty")
    if difficulty not in DIFFICULTIES:
        raise AnswerFormatError(f"{where}: 'difficulty' must be one of {DIFFICULTIES}")
    kind = meta.get("kind")
    if kind not in KINDS:
        raise AnswerFormatError(f"{where}: 'kind' must be one of {KINDS}")
    if not body:
        raise AnswerFormatError(f"{where}: the explanation (the Markdown body) is empty")
    reviewed, checked_against = _review(meta, where=where)
    return ModelAnswer(
        number=number,
        summary=" ".join(summary.split()),
        explanation=body,
        key_points=_str_list(meta, "key_points", where=where),
        pitfalls=_str_list(meta, "pitfalls", where=where),
        follow_ups=_str_list(meta, "follow_ups", where=where),
        difficulty=difficulty,
        kind=kind,
        tags=_str_list(meta, "tags", where=where),
        references=_str_list(meta, "references", where=where),
        in_viva=_str_list(meta, "in_viva", where=where, required=False),
        code_blocks=code_blocks(body),
        synonyms=_synonyms(meta, where=where),
        wrong_claims=_synonyms(meta, where=where, key="wrong_claims"),
        reviewed=reviewed,
        checked_against=checked_against,
    )


def load_answers(directory: Path = ANSWERS_DIR) -> dict[int, ModelAnswer]:
    """All answer files of a folder, keyed by seed question number."""
    answers: dict[int, ModelAnswer] = {}
    if not directory.is_dir():
        return answers
    for path in sorted(directory.iterdir()):
        m = _FILE_NAME.match(path.name)
        if not m:
            continue
        number = int(m.group(1))
        answers[number] = parse_answer(
            path.read_text(encoding="utf-8"), number=number, where=path.name
        )
    return answers

"""Phase 2: questions placed in categories with their answers, confidence checks, slugs."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

from viva.bank.parser.blocks import _blocks, _Heading, _Question, _Section
from viva.bank.parser.lines import _question_levels
from viva.bank.parser.reader import _Reader
from viva.bank.parser.text import (
    _ANSWER_LABEL,
    _BACK_TO_TOP,
    _MD,
    _TAG,
    DEFAULT_CATEGORY,
    TITLE_MAX,
    _answer_markers,
    _extract_labels,
    _heading_title,
    _strip_markup,
    clean_text,
    infer_tags,
)
from viva.bank.parser.types import (
    ImportIssue,
    ParsedCategory,
    ParsedQuestion,
    ParsedTrack,
    grouped_warnings,
    slugify,
)
from viva.errors import ImportRejected

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

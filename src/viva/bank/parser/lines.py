"""Line classifiers the reader uses: question lines, bold labels, section lines, table cells."""

from __future__ import annotations

import re

from viva.bank.parser.blocks import _Block, _first_line, _items
from viva.bank.parser.text import (
    _ANSWER_LABEL,
    _BARE_LABEL,
    _BOLD_LINE,
    _LABEL_WORDS,
    _Q_LINE,
    _SECTION_WORDS,
    _extract_labels,
    _heading_title,
    _split_number,
    _strip_markup,
    _title_text,
    _words,
    question_like,
)

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

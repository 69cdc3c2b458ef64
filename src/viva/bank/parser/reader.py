"""Phase 1: walk the blocks and emit questions, headings, sections and answer content."""

from __future__ import annotations

import html
import re
import textwrap

from viva.bank.parser.blocks import (
    _Block,
    _Content,
    _Event,
    _first_line,
    _Heading,
    _Item,
    _items,
    _Question,
    _Section,
)
from viva.bank.parser.lines import (
    _BOLD_LEAD,
    _cells,
    _is_label,
    _is_q_line,
    _is_question_heading,
    _q_line,
    _question_lines,
    _section_line,
)
from viva.bank.parser.text import (
    _ANSWER_LABEL,
    _BACK_TO_TOP_HTML,
    _BARE_LABEL,
    _CONTENTS,
    _DETAILS,
    _LABEL_WORDS,
    _LINK_ONLY,
    _Q_LINE,
    _Q_PREFIX,
    _TAG,
    TITLE_MAX,
    _heading_title,
    _split_number,
    _strip_markup,
    _title_text,
    question_like,
)
from viva.bank.parser.types import ImportIssue, IssueKind


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
                self.current.text, answer = _question_lines(lines)
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
        text, answer = _question_lines([_first_line(self.lines, item), *lines[1:]])
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
                    text, answer = _question_lines([first, *chunk[1:]])
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

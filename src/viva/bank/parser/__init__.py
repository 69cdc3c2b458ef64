"""Reads Markdown question lists into categories, questions and their answers.

Pure functions, no database. The file is parsed by markdown-it-py; a question is recognised by
its structure in context (a numbered or Q-prefixed heading, a list item, a Q-line or bold
question line, a <details> block) and everything up to the next question of the same kind is
its answer. Categories come from the heading level that groups the questions.

`text` holds the text-level rules, `blocks` the token stream, `reader` (phase 1) the walk
that emits questions and headings, `track` (phase 2) the categories and answers.
"""

from viva.bank.parser.text import (
    DEFAULT_CATEGORY,
    TAG_WORDS,
    TITLE_MAX,
    clean_text,
    decode_upload,
    infer_kind,
    infer_tags,
    question_like,
)
from viva.bank.parser.track import answer_summary, parse_markdown
from viva.bank.parser.types import (
    ImportIssue,
    IssueKind,
    ParsedCategory,
    ParsedQuestion,
    ParsedTrack,
    grouped_warnings,
    slugify,
)

__all__ = [
    "DEFAULT_CATEGORY",
    "TAG_WORDS",
    "TITLE_MAX",
    "ImportIssue",
    "IssueKind",
    "ParsedCategory",
    "ParsedQuestion",
    "ParsedTrack",
    "answer_summary",
    "clean_text",
    "decode_upload",
    "grouped_warnings",
    "infer_kind",
    "infer_tags",
    "parse_markdown",
    "question_like",
    "slugify",
]

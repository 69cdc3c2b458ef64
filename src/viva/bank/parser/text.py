"""Text-level rules of the parser: decoding and repair, titles, kind/difficulty markers, tags."""

from __future__ import annotations

import re
import unicodedata

import ftfy
from markdown_it import MarkdownIt

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

"""Normalisation, tokens and match keys: how answers, key points and table entries are read."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import snowballstemmer

_STOP_WORDS = """
    a an the and or nor but if then else so than too very as at by for from in into onto of
    off on out over under up down to with within without via per about between
    through during against among across around along is are was were be been being am it its
    it's this that these those there here their theirs they them you your yours we our us i
    me my mine he him his she her hers what which who whom whose when where why how while
    do does did done doing has have had having can could may might must shall should will
    would not no never none any some such like eg ie etc use uses used using usage instead
    also just even either neither whether s t d ll re ve m let lets yet again further once
    still already vs versus since until unless because although though whereas otherwise
    thing things way ways something anything everything
"""
# Words too general to show that a point was understood: plain English, and the nouns that
# every answer of this bank uses (service, data, request, ...).
_VAGUE_WORDS = """
    only many most more less least much each every all both other another same own new good
    bad better best simple simply easy often usually always first last next
    make makes made making get gets got getting give gives gave given giving need needs
    needed take takes taken keep keeps kept go goes going come comes set sets put puts see
    sees say says said know knows show shows work works worked working run runs running
    thing part parts kind kinds type types case cases one ones lot lots real really main
    include includes including whole end ends start starts add adds added change changes
    call calls called create creates created allow allows help helps mean means based
    service services data client clients server servers request requests response responses
    app apps application code time times value values user users example default name names
    store stores stored read reads write writes return returns check checks
"""

# "three states" is "3 states"; "one" stays a word (a synonym of 1 in the table), since it is
# also a pronoun.
_NUMBERS = (
    "zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty"
)
NUMBER_WORDS = {word: str(n) for n, word in enumerate(_NUMBERS.split()) if word != "_"}

STOP_WORDS = frozenset(_STOP_WORDS.split())
VAGUE_WORDS = frozenset(_VAGUE_WORDS.split())

_URL = re.compile(r"\b(?:https?|ftp)://\S+")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf)\.", re.IGNORECASE)
_NEGATED = re.compile(r"n['’]t\b", re.IGNORECASE)
# "dont", "isnt", "cant": typed without the apostrophe, and "cannot".
_NEGATED_BARE = re.compile(
    r"\b(do|does|did|is|are|was|were|has|have|had|ca|wo|should|would|could|need|must)nt\b",
    re.IGNORECASE,
)
_CANNOT = re.compile(r"\bcannot\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_TOKEN = re.compile(r"(?P<big_o>\b[Oo]\([^()\n]{1,20}\))|(?P<word>\w+(?:[./:+\-#]+\w+)*)")
_PAUSE = re.compile(r"[,;.:!?()\[\]{}|]|\s[-–—]\s|\n\s*\n")
# A sentence ends at . ! ? or ;, a blank line, or a list item; not where a long line wraps.
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n\s*\n|\n\s*(?:[-*+]|\d+\.)\s")
_QUOTES = frozenset("\"'`“‘")
_DUNDER = re.compile(r"__\w+__")
_SEPARATORS = re.compile(r"[/:+\-#]+|\.(?!\d)|(?<!\d)\.|_+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z]{2})(?=[A-Z][a-z])")
_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]+")
_CODE_LIKE = re.compile(r"[._]|[a-z][A-Z]|^__")
_BRITISH = (
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),
    (re.compile(r"(?<=\w{3})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing)?$"), r"or\1"),
)

_stemmer = snowballstemmer.stemmer("english")
_stemmer_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Part:
    """One comparable piece of a token: its match key, and where it stands in the text."""

    key: str
    stop: bool
    pause: bool  # punctuation stands between this part and the one before
    token: int
    start: int
    end: int
    sentence: bool = False  # a sentence (or a line) ends between this part and the one before
    literal: bool = False  # a quoted word, a value rather than a word: extra="forbid"


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    parts: tuple[Part, ...]
    joined: str
    code_like: bool
    acronym: bool


@dataclass(frozen=True, slots=True)
class Stream:
    """Parts in reading order, as phrase matching needs them."""

    keys: tuple[str, ...]
    stops: tuple[bool, ...]
    pauses: tuple[bool, ...]
    # The part is a whole word, not a piece of "no-gil" nor a quoted value ("forbid").
    wholes: tuple[bool, ...]
    firsts: tuple[bool, ...] = ()  # the part is the first of its token
    pasts: tuple[bool, ...] = ()  # the part's word is in the past tense ("removed", not "removes")

    @classmethod
    def of(cls, parts: Sequence[Part], words: Sequence[Token] = ()) -> Stream:
        tokens = [p.token for p in parts]
        return cls(
            tuple(p.key for p in parts),
            tuple(p.stop for p in parts),
            tuple(p.pause for p in parts),
            tuple(
                (i == 0 or tokens[i - 1] != t)
                and (i + 1 == len(tokens) or tokens[i + 1] != t)
                and not parts[i].literal
                for i, t in enumerate(tokens)
            ),
            tuple(i == 0 or tokens[i - 1] != t for i, t in enumerate(tokens)),
            tuple(words[t].text.casefold().endswith("ed") for t in tokens) if words else (),
        )


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    with _stemmer_lock:  # a Snowball stemmer keeps its working string on the object
        stem: str = _stemmer.stemWord(word)
    return stem


@lru_cache(maxsize=65536)
def key_of(part: str) -> str:
    number = NUMBER_WORDS.get(part)
    if number is not None:
        return number
    return stem(part) if part.isascii() and part.isalpha() else part


VAGUE_KEYS = frozenset(key_of(word) for word in VAGUE_WORDS)
# Stop words that negate: a phrase does not match across them ("rows without locking" is no
# "row lock").
NEGATING_STOP_KEYS = frozenset(
    key_of(word) for word in ["not", "no", "never", "without", "nor", "neither", "none"]
)


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _ABBREVIATION.sub(" ", text)
    text = _NEGATED.sub(" not", text)
    text = _NEGATED_BARE.sub(r"\1 not", text)
    text = _CANNOT.sub("can not", text)
    return _POSSESSIVE.sub("", text)


def _pieces(word: str) -> list[str]:
    if _DUNDER.fullmatch(word):
        return [word]
    pieces: list[str] = []
    for piece in _SEPARATORS.split(word):
        if _ACRONYM_PLURAL.fullmatch(piece):
            piece = piece[:-1]
        pieces.extend(p for p in _CAMEL.split(piece) if p)
    return pieces


def _words(raw: str) -> list[tuple[int, str]]:
    """Split "p95/p99" or "async/await" into words; keep "I/O" and "HTTP/2" whole."""
    pieces = raw.split("/")
    if len(pieces) < 2 or not all(len(p) > 1 and any(c.isalpha() for c in p) for p in pieces):
        return [(0, raw)]
    words, at = [], 0
    for piece in pieces:
        words.append((at, piece))
        at += len(piece) + 1
    return words


def tokenize(text: str) -> list[Token]:
    cleaned = clean(text)
    tokens: list[Token] = []
    previous_end = 0
    for m in _TOKEN.finditer(cleaned):
        pause = bool(_PAUSE.search(cleaned, previous_end, m.start()))
        sentence = bool(_SENTENCE_END.search(cleaned, previous_end, m.start()))
        previous_end = m.end()
        if m.group("big_o"):
            key = "o(" + "".join(m.group()[2:-1].casefold().split()) + ")"
            part = Part(key, False, pause, len(tokens), m.start(), m.end())
            tokens.append(Token(m.group(), (part,), key, True, False))
            continue
        quote = cleaned[m.start() - 1 : m.start()] if m.start() else ""
        literal = quote in _QUOTES and cleaned[m.end() : m.end() + 1] == quote
        for at, raw in _words(m.group()):
            token = _token(raw, m.start() + at, len(tokens), pause)
            if token is not None and literal:
                token = replace(token, parts=tuple(replace(p, literal=True) for p in token.parts))
            if token is not None:
                if sentence and tokens:
                    first = replace(token.parts[0], sentence=True)
                    token = replace(token, parts=(first, *token.parts[1:]))
                tokens.append(token)
                pause = sentence = False
    return tokens


def _token(raw: str, offset: int, index: int, pause: bool) -> Token | None:
    parts: list[Part] = []
    cursor = 0
    for piece in _pieces(raw):
        at = raw.find(piece, cursor)
        cursor = at + len(piece)
        folded = piece.casefold()
        start = offset + at
        parts.append(
            Part(
                key_of(folded),
                folded in STOP_WORDS,
                pause and not parts,
                index,
                start,
                start + len(piece),
            )
        )
    if not parts:
        return None
    joined = "".join(raw[p.start - offset : p.end - offset] for p in parts).casefold()
    return Token(
        raw,
        tuple(parts),
        key_of(joined),
        bool(_CODE_LIKE.search(raw)) or any(c.isdigit() for c in raw),
        bool(_ACRONYM.fullmatch(raw)) or bool(_ACRONYM_PLURAL.fullmatch(raw)),
    )

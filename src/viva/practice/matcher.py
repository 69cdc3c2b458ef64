"""Key-point matcher: which key points of a model answer a typed answer covers, and why.

Deterministic and explainable; no network and no model. A key point becomes weighted *terms*;
a term is found when one of its *variants* occurs in the typed answer; a point is covered when
its found terms carry at least ``threshold`` (default 0.55) of its weight. So the UI can say
"matched: GIL, released, I/O; missing: blocking, C, extensions".

Key points, answers and synonym entries all go through the same pipeline:

- Normalisation: Unicode NFKC and casefold; Markdown links, URLs and code punctuation dropped;
  "don't" reads "do not". Technical tokens stay whole (``asyncio.gather``, ``__init__``,
  ``HTTP/2``, ``I/O``, ``O(1)``, ``429``, ``p99``, ``k8s``) and are also split into parts at
  ``. - : _`` and camelCase, so ``pool_size`` matches "pool size", "ProcessPoolExecutor"
  matches "process pool executor" and "thread-safe" matches "thread safe" or "threadsafe".
  A slash between words separates them: "p95/p99" is two terms, "async/await" two words.
- Stemming: Snowball English on alphabetic words ("caching" = "cache", "indexes" = "index"),
  after folding British spellings (-ise, -isation, -our) onto American ones.
- Stop and filler words ("is", "use", "such as", "instead of", "not", ...) are no terms. A
  phrase matches with stop words between its words, but not across punctuation.
- Weights: numbers, code identifiers, acronyms and multi-word phrases of the synonym table
  weigh 2; other table words and hyphenated compounds 1.5; plain words and single digits 1;
  vague words ("only", "make", and nouns every answer uses, such as "service") 0.5.
- Synonyms: :data:`viva.practice.synonyms.SYNONYM_GROUPS` holds groups such as
  {gil, global interpreter lock} or {k8s, kubernetes}. A table phrase found in a key point is
  one term whose variants are its whole group, so typed "global interpreter lock" covers a
  point saying "GIL" and typed "GIL" covers a point saying "global interpreter lock".
- Per-question synonyms: ``match_key_points(..., synonyms={"pickle": ["marshal"]})`` adds
  groups for one call, each key with its alternatives. Key points carry no special syntax,
  so every page that shows them stays as it is.

Out of scope: negation ("threads do not help" counts like "threads help"), word order beyond
phrases, spelling mistakes, and paraphrases that the synonym table does not list.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from viva.practice.synonyms import SYNONYM_GROUPS

DEFAULT_THRESHOLD = 0.55

TECHNICAL_WEIGHT = 2.0
SYNONYM_WEIGHT = 1.5
PLAIN_WEIGHT = 1.0
VAGUE_WEIGHT = 0.5

_STOP_WORDS = """
    a an the and or nor but if then else so than too very as at by for from in into onto of
    off on out over under up down to with within without via per about after before between
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

STOP_WORDS = frozenset(_STOP_WORDS.split())
VAGUE_WORDS = frozenset(_VAGUE_WORDS.split())
_SMALL_NUMBER = re.compile(r"\d")

_URL = re.compile(r"\b(?:https?|ftp)://\S+")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf)\.", re.IGNORECASE)
_NEGATED = re.compile(r"n['’]t\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_TOKEN = re.compile(r"(?P<big_o>\b[Oo]\([^()\n]{1,20}\))|(?P<word>\w+(?:[./:+\-#]+\w+)*)")
_PAUSE = re.compile(r"[,;.:!?()\[\]{}|]|\s[-–—]\s|\n\s*\n")
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
class PointMatch:
    """How well a typed answer covers one key point."""

    point: str
    covered: bool
    score: float
    matched: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Part:
    """One comparable piece of a token: its match key, and where it stands in the text."""

    key: str
    stop: bool
    pause: bool  # punctuation stands between this part and the one before
    token: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    parts: tuple[_Part, ...]
    joined: str
    code_like: bool
    acronym: bool


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    weight: float
    variants: frozenset[tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """The compiled synonym table: every entry's variants, and groups keyed by variant."""

    groups: tuple[frozenset[tuple[str, ...]], ...]
    by_variant: Mapping[tuple[str, ...], tuple[int, ...]]
    by_first_key: Mapping[str, tuple[tuple[str, ...], ...]]


@dataclass(frozen=True, slots=True)
class _Stream:
    """Parts in reading order, as phrase matching needs them."""

    keys: tuple[str, ...]
    stops: tuple[bool, ...]
    pauses: tuple[bool, ...]

    @classmethod
    def of(cls, parts: Sequence[_Part]) -> _Stream:
        return cls(
            tuple(p.key for p in parts), tuple(p.stop for p in parts), tuple(p.pause for p in parts)
        )


@dataclass(frozen=True, slots=True)
class _Answer:
    """A typed answer indexed for lookups: its stream of parts and every key it contains."""

    stream: _Stream
    positions: Mapping[str, tuple[int, ...]]
    vocabulary: frozenset[str]


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    with _stemmer_lock:  # a Snowball stemmer keeps its working string on the object
        stem: str = _stemmer.stemWord(word)
    return stem


@lru_cache(maxsize=65536)
def _key(part: str) -> str:
    return _stem(part) if part.isascii() and part.isalpha() else part


_VAGUE_KEYS = frozenset(_key(word) for word in VAGUE_WORDS)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _ABBREVIATION.sub(" ", text)
    text = _NEGATED.sub(" not", text)
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


def _tokens(text: str) -> list[_Token]:
    cleaned = _clean(text)
    tokens: list[_Token] = []
    previous_end = 0
    for m in _TOKEN.finditer(cleaned):
        pause = bool(_PAUSE.search(cleaned, previous_end, m.start()))
        previous_end = m.end()
        if m.group("big_o"):
            key = "o(" + "".join(m.group()[2:-1].casefold().split()) + ")"
            part = _Part(key, False, pause, len(tokens), m.start(), m.end())
            tokens.append(_Token(m.group(), (part,), key, True, False))
            continue
        for at, raw in _words(m.group()):
            token = _token(raw, m.start() + at, len(tokens), pause)
            if token is not None:
                tokens.append(token)
                pause = False
    return tokens


def _token(raw: str, offset: int, index: int, pause: bool) -> _Token | None:
    parts: list[_Part] = []
    cursor = 0
    for piece in _pieces(raw):
        at = raw.find(piece, cursor)
        cursor = at + len(piece)
        folded = piece.casefold()
        start = offset + at
        parts.append(
            _Part(
                _key(folded),
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
    return _Token(
        raw,
        tuple(parts),
        _key(joined),
        bool(_CODE_LIKE.search(raw)) or any(c.isdigit() for c in raw),
        bool(_ACRONYM.fullmatch(raw)) or bool(_ACRONYM_PLURAL.fullmatch(raw)),
    )


@lru_cache(maxsize=8192)
def _entry_variants(entry: str) -> frozenset[tuple[str, ...]]:
    """The ways a synonym entry may appear: its parts in order, and a compound written whole."""
    tokens = _tokens(entry)
    variants: set[tuple[str, ...]] = set()
    parts = tuple(p.key for t in tokens for p in t.parts)
    if parts:
        variants.add(parts)
    if len(tokens) == 1 and len(tokens[0].parts) > 1:
        variants.add((tokens[0].joined,))
    return frozenset(variants)


def _compile(groups: Iterable[Iterable[str]]) -> _Vocabulary:
    compiled: list[frozenset[tuple[str, ...]]] = []
    by_variant: dict[tuple[str, ...], list[int]] = {}
    by_first_key: dict[str, set[tuple[str, ...]]] = {}
    for entries in groups:
        variants: set[tuple[str, ...]] = set()
        for entry in entries:
            variants |= _entry_variants(entry)
        if not variants:
            continue
        index = len(compiled)
        compiled.append(frozenset(variants))
        for variant in variants:
            by_variant.setdefault(variant, []).append(index)
            by_first_key.setdefault(variant[0], set()).add(variant)
    return _Vocabulary(
        groups=tuple(compiled),
        by_variant={k: tuple(v) for k, v in by_variant.items()},
        by_first_key={
            k: tuple(sorted(v, key=lambda x: (-len(x), x))) for k, v in by_first_key.items()
        },
    )


@lru_cache(maxsize=256)
def _vocabulary(extra: tuple[tuple[str, ...], ...] = ()) -> _Vocabulary:
    return _compile((*SYNONYM_GROUPS, *extra))


def _expand(vocabulary: _Vocabulary, variant: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    variants = {variant}
    for index in vocabulary.by_variant.get(variant, ()):
        variants |= vocabulary.groups[index]
    return frozenset(variants)


def _phrase_end(stream: _Stream, start: int, phrase: Sequence[str]) -> int:
    """Where ``phrase`` ends if it occurs at ``start``: stop words may come between its words,
    punctuation may not."""
    keys, stops, pauses = stream.keys, stream.stops, stream.pauses
    position = start
    for wanted in phrase:
        while True:
            if position >= len(keys) or (position > start and pauses[position]):
                return -1
            if keys[position] == wanted:
                break
            if not stops[position]:
                return -1
            position += 1
        position += 1
    return position


def _weight(label: str, token: _Token, *, in_table: bool, compound: bool) -> float:
    """Numbers, identifiers, acronyms and phrases say most; vague words say least."""
    if _SMALL_NUMBER.fullmatch(label):
        return PLAIN_WEIGHT
    if token.code_like or token.acronym or (in_table and compound):
        return TECHNICAL_WEIGHT
    if not compound and _key(label.casefold()) in _VAGUE_KEYS:
        return VAGUE_WEIGHT
    if in_table or compound:
        return SYNONYM_WEIGHT
    return PLAIN_WEIGHT


def _longest_phrase(
    vocabulary: _Vocabulary,
    tokens: Sequence[_Token],
    parts: Sequence[_Part],
    stream: _Stream,
    i: int,
) -> tuple[int, tuple[str, ...]]:
    """The end and the variant of the longest table phrase starting at part ``i``, the first
    part of a token; the end is -1 when there is none."""
    token = tokens[parts[i].token]
    best_end = -1
    best_phrase: tuple[str, ...] = ()
    whole: tuple[str, ...] = (token.joined,)
    if len(token.parts) > 1 and whole in vocabulary.by_variant:
        best_end, best_phrase = i + len(token.parts), whole
    for phrase in vocabulary.by_first_key.get(stream.keys[i], ()):
        end = _phrase_end(stream, i, phrase)
        if 0 < end < len(parts) and parts[end].token == parts[end - 1].token:
            continue  # a phrase ends where a word ends, not inside "thread-safe"
        if end > best_end:
            best_end, best_phrase = end, phrase
    return best_end, best_phrase


@lru_cache(maxsize=4096)
def _terms(point: str, extra: tuple[tuple[str, ...], ...] = ()) -> tuple[_Term, ...]:
    """A key point's terms, in order, each once."""
    vocabulary = _vocabulary(extra)
    cleaned = _clean(point)
    tokens = _tokens(point)
    parts = [p for t in tokens for p in t.parts]
    stream = _Stream.of(parts)

    def phrases_at(i: int) -> tuple[int, tuple[str, ...]]:
        return _longest_phrase(vocabulary, tokens, parts, stream, i)

    terms: dict[frozenset[tuple[str, ...]], _Term] = {}

    def add(first: int, last: int, variants: Iterable[tuple[str, ...]], weight: float) -> None:
        label = cleaned[parts[first].start : parts[last].end]
        key = frozenset(variants)
        terms.setdefault(key, _Term(label, weight, key))

    i = 0
    while i < len(parts):  # always at the first part of a token
        token = tokens[parts[i].token]
        last = i + len(token.parts) - 1
        identifier = token.code_like and len(token.parts) > 1
        end, phrase = (-1, ()) if identifier else phrases_at(i)
        if end > 0:
            label = cleaned[parts[i].start : parts[end - 1].end]
            weight = _weight(label, token, in_table=True, compound=end - i > 1)
            add(i, end - 1, _expand(vocabulary, phrase), weight)
            i = end
            continue
        first, i = i, last + 1
        if all(p.stop for p in token.parts):
            continue
        own = tuple(p.key for p in token.parts)
        variants = _expand(vocabulary, own)
        if len(own) > 1:
            # A compound is one term: "thread-safe", "thread safe" and "threadsafe" alike.
            variants |= _expand(vocabulary, (token.joined,))
        if identifier and "." in token.text:
            # `str.isalnum` is also found as `c.isalnum()`.
            method = _tokens(token.text.rsplit(".", 1)[1])
            if method and method[0].parts[0].key not in _VAGUE_KEYS:
                variants |= {tuple(p.key for p in method[0].parts), (method[0].joined,)}
        label = cleaned[parts[first].start : parts[last].end]
        add(first, last, variants, _weight(label, token, in_table=False, compound=len(own) > 1))
    return tuple(terms.values())


@lru_cache(maxsize=256)  # a review page matches one answer against several point lists
def _index(text: str) -> _Answer:
    tokens = _tokens(text)
    stream = _Stream.of([p for t in tokens for p in t.parts])
    positions: dict[str, list[int]] = {}
    for position, key in enumerate(stream.keys):
        positions.setdefault(key, []).append(position)
    vocabulary = set(stream.keys) | {t.joined for t in tokens if len(t.parts) > 1}
    return _Answer(
        stream=stream,
        positions={k: tuple(v) for k, v in positions.items()},
        vocabulary=frozenset(vocabulary),
    )


def _found(answer: _Answer, variants: Iterable[tuple[str, ...]]) -> bool:
    for variant in variants:
        if len(variant) == 1:
            if variant[0] in answer.vocabulary:
                return True
            continue
        for start in answer.positions.get(variant[0], ()):
            if _phrase_end(answer.stream, start, variant) > 0:
                return True
    return False


def _extra_groups(synonyms: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, ...], ...]:
    if not synonyms:
        return ()
    return tuple(
        (term, alternatives) if isinstance(alternatives, str) else (term, *alternatives)
        for term, alternatives in sorted(synonyms.items())
    )


def match_key_points(
    answer_text: str,
    key_points: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> list[PointMatch]:
    """One :class:`PointMatch` per key point, in the order given.

    ``synonyms`` adds groups for this call only: ``{"pickle": ["marshal", "serialise"]}``.
    """
    extra = _extra_groups(synonyms)
    answer = _index(answer_text)
    matches: list[PointMatch] = []
    for point in key_points:
        terms = _terms(point, extra)
        matched = [t for t in terms if _found(answer, t.variants)]
        total = sum(t.weight for t in terms)
        score = sum(t.weight for t in matched) / total if total else 0.0
        score = round(min(1.0, max(0.0, score)), 4)
        matches.append(
            PointMatch(
                point=point,
                covered=bool(terms) and score >= threshold,
                score=score,
                matched=tuple(t.label for t in matched),
                missing=tuple(t.label for t in terms if t not in matched),
            )
        )
    return matches


def coverage(matches: Sequence[PointMatch]) -> float:
    """The share of key points covered; 0.0 when there are none."""
    if not matches:
        return 0.0
    return sum(m.covered for m in matches) / len(matches)

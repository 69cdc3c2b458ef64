"""Key-point matcher: which key points of a model answer a typed answer covers, and why.

Deterministic and explainable; no network and no model. A key point becomes weighted *terms*;
a term is found when one of its *variants* occurs in the typed answer; a point is covered when
its found terms carry at least ``threshold`` (default 0.45) of its weight. So the UI can say
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
  groups for one call, each key with its alternatives; the shipped answers carry them in their
  ``synonyms:`` front matter (:func:`viva.practice.synonyms.answer_synonyms`). Key points carry
  no special syntax, so every page that shows them stays as it is.
- Typos and numbers: a typed word of 5 letters or more that no shipped answer uses matches a
  term one edit away ("databse", "seperate"); "three" is 3.
- Negation: "not", "never", "no", "without", "instead of" reach the rest of their clause (a
  clause ends at punctuation, "but", "so", "because"... or "and" before a new subject);
  "avoid", "prevent", "stop" reach the next two words; a negation followed only by filler
  reaches back two words ("locks are not needed"). Opposites count as negations ("immutable"
  states "mutable" negated; :data:`viva.practice.synonyms.ANTONYM_PAIRS`). A term is found only
  where the answer states it the way the point does; stated the other way round, in a clause
  holding another term of the point, it *contradicts* the point, which is then not covered
  (and is shown as contradicting the model answer) unless the contradicted weight is small
  beside the weight found (plain words count double: they carry the claim).
- Score: the weight found in the best two consecutive sentences, over the point's weight
  (capped at 5 when two strong terms or three terms are found, so a long point is covered by
  its gist). Terms shared by 3+ points of one answer (and 40% of them) name the topic and
  weigh as vague words. A point is covered at ``threshold`` (default 0.45).

Limits: the checker reads words, not meaning. It misses paraphrases the tables do not list,
and can read a sentence about another subject ("JWTs need no lookup") as contradicting a
point ("opaque tokens need a lookup"). bench/bench_matcher.py measures it on hand-labelled
typed answers.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import snowballstemmer

from viva.practice.synonyms import ANTONYM_PAIRS, SYNONYM_GROUPS, known_words

DEFAULT_THRESHOLD = 0.45
TYPO_MIN_LENGTH = 5  # keys this long match a typed word one letter away ("databse")

TECHNICAL_WEIGHT = 2.0
SYNONYM_WEIGHT = 1.5
PLAIN_WEIGHT = 1.0
VAGUE_WEIGHT = 0.5

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
# Words that state the opposite of what follows them in their clause ("never need locks", "no
# need to measure"), or of their clause when only filler follows ("locks are not needed").
_NEGATORS = "not no never without neither nor rarely seldom"
# Saying a thing is to be avoided is saying not to do it: "prevents cascading failures", "stop
# calling it", "concatenation is the bug", "functions defeat the index". These reach only the
# next few words: "prevent stampedes with a lock" says nothing against the lock.
_SHORT_NEGATORS = "avoid avoids prevent prevents stop stops defeat defeats bug bugs"
_SHORT_REACH = 2
# Two-word negators: "lazy instead of returning lists" says lists are not returned.
_NEGATOR_PAIRS = (("instead", "of"), ("rather", "than"))
# Words that start a new clause, ending the reach of a negation: "not X, but Y", "no X so Y".
_CLAUSE_BREAKS = "but so however whereas while although though because unless then otherwise yet"
# "and" or "or" before a new subject starts a clause too: "you do not query the db and it is
# faster" says nothing negative about speed.
_JOINS = "and or"
_SUBJECTS = "it its you they we i he she this that there then"
# A negation with only filler after it reaches back this many words: "locks are not needed".
_BACKWARD_REACH = 2
# A point is contradicted when the weight of its contradicted terms reaches this share of the
# weight of its terms found as the model answer states them.
CONTRADICTION_SHARE = 0.3
# A long point is covered by the gist: found weight counts against at most this much.
SCORE_CAP = 5.0
CAP_TERMS = 3
SENTENCE_WINDOW = 2  # consecutive sentences a point's terms may be spread over
CLAIM_FACTOR = 2.0
# A term in at least this many points of one answer, and this share of them, names the topic.
TOPIC_POINTS = 3
TOPIC_SHARE = 0.4

STOP_WORDS = frozenset(_STOP_WORDS.split())
VAGUE_WORDS = frozenset(_VAGUE_WORDS.split())
_SMALL_NUMBER = re.compile(r"\d")

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
    """How well a typed answer covers one key point, and why.

    ``matched`` and ``missing`` are the point's terms; ``evidence`` the answer's words that
    matched them. ``contradicted`` are terms the answer states the other way round ("never
    need locks" against "still use locks"), with the answer's words in ``against``: one such
    term leaves the point not covered.
    """

    point: str
    covered: bool
    score: float
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    contradicted: tuple[str, ...] = ()
    against: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Part:
    """One comparable piece of a token: its match key, and where it stands in the text."""

    key: str
    stop: bool
    pause: bool  # punctuation stands between this part and the one before
    token: int
    start: int
    end: int
    sentence: bool = False  # a sentence (or a line) ends between this part and the one before


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
    negated: bool = False  # the key point states it negatively: "does not make it thread-safe"
    negative_clause: bool = False  # a negation stands anywhere in its clause


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
    wholes: tuple[bool, ...]  # the part is a whole word, not a piece of "no-gil"

    @classmethod
    def of(cls, parts: Sequence[_Part]) -> _Stream:
        tokens = [p.token for p in parts]
        return cls(
            tuple(p.key for p in parts),
            tuple(p.stop for p in parts),
            tuple(p.pause for p in parts),
            tuple(
                (i == 0 or tokens[i - 1] != t) and (i + 1 == len(tokens) or tokens[i + 1] != t)
                for i, t in enumerate(tokens)
            ),
        )


@dataclass(frozen=True, slots=True)
class _Answer:
    """A typed answer indexed for lookups: its stream of parts, where each key occurs (a
    compound written whole, "threadsafe", at its first part), which negations reach each
    part, and its unknown longer words by their one-letter deletions (for typos)."""

    stream: _Stream
    positions: Mapping[str, tuple[tuple[int, int], ...]]
    negations: tuple[frozenset[int], ...]
    typos: Mapping[str, tuple[str, ...]]
    text: str
    spans: tuple[tuple[int, int], ...]
    clauses: tuple[int, ...]  # the clause of each part, counted from 0
    sentences: tuple[int, ...]  # the sentence of each part, counted from 0

    def snippet(self, start: int, end: int) -> str:
        return self.text[self.spans[start][0] : self.spans[end - 1][1]]

    def negated(self, start: int, end: int) -> bool:
        """Whether a negation outside ``[start, end)`` reaches it."""
        return _negated(self.negations[start], start, end)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    with _stemmer_lock:  # a Snowball stemmer keeps its working string on the object
        stem: str = _stemmer.stemWord(word)
    return stem


@lru_cache(maxsize=65536)
def _key(part: str) -> str:
    number = NUMBER_WORDS.get(part)
    if number is not None:
        return number
    return _stem(part) if part.isascii() and part.isalpha() else part


_VAGUE_KEYS = frozenset(_key(word) for word in VAGUE_WORDS)
_NEGATOR_KEYS = frozenset(_key(word) for word in _NEGATORS.split())
_SHORT_NEGATOR_KEYS = frozenset(_key(word) for word in _SHORT_NEGATORS.split())
_BREAK_KEYS = frozenset(_key(word) for word in _CLAUSE_BREAKS.split())
_JOIN_KEYS = frozenset(_key(word) for word in _JOINS.split())
_SUBJECT_KEYS = frozenset(_key(word) for word in _SUBJECTS.split())


def _clean(text: str) -> str:
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


def _tokens(text: str) -> list[_Token]:
    cleaned = _clean(text)
    tokens: list[_Token] = []
    previous_end = 0
    for m in _TOKEN.finditer(cleaned):
        pause = bool(_PAUSE.search(cleaned, previous_end, m.start()))
        sentence = bool(_SENTENCE_END.search(cleaned, previous_end, m.start()))
        previous_end = m.end()
        if m.group("big_o"):
            key = "o(" + "".join(m.group()[2:-1].casefold().split()) + ")"
            part = _Part(key, False, pause, len(tokens), m.start(), m.end())
            tokens.append(_Token(m.group(), (part,), key, True, False))
            continue
        for at, raw in _words(m.group()):
            token = _token(raw, m.start() + at, len(tokens), pause)
            if token is not None:
                if sentence and tokens:
                    first = replace(token.parts[0], sentence=True)
                    token = replace(token, parts=(first, *token.parts[1:]))
                tokens.append(token)
                pause = sentence = False
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
    negations = _negations(stream)
    clause_negations = _clause_negations(stream)

    def phrases_at(i: int) -> tuple[int, tuple[str, ...]]:
        return _longest_phrase(vocabulary, tokens, parts, stream, i)

    terms: dict[frozenset[tuple[str, ...]], _Term] = {}

    def add(first: int, last: int, variants: Iterable[tuple[str, ...]], weight: float) -> None:
        label = cleaned[parts[first].start : parts[last].end]
        key = frozenset(variants)
        negated = _negated(negations[first], first, last + 1)
        negative = _negated(clause_negations[first], first, last + 1)
        terms.setdefault(key, _Term(label, weight, key, negated, negative))

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


def _breaks(stream: _Stream) -> list[bool]:
    """For each part, whether a clause starts there."""
    keys, size = stream.keys, len(stream.keys)
    return [
        i > 0
        and (
            stream.pauses[i]
            or keys[i] in _BREAK_KEYS
            or (keys[i] in _JOIN_KEYS and i + 1 < size and keys[i + 1] in _SUBJECT_KEYS)
        )
        for i in range(size)
    ]


def _negated(negations: frozenset[int], start: int, end: int) -> bool:
    """Whether an odd number of negations outside the phrase ``[start, end)`` reach it ("not
    without" is no negation; "no-gil" negates nothing)."""
    return len([n for n in negations if not start <= n < end]) % 2 == 1


def _is_negator(stream: _Stream, i: int) -> bool:
    key, keys = stream.keys[i], stream.keys
    if not stream.wholes[i]:
        return False
    if key in _NEGATOR_KEYS or key in _SHORT_NEGATOR_KEYS:
        return True
    return any(key == a and i + 1 < len(keys) and keys[i + 1] == b for a, b in _NEGATOR_PAIRS)


def _clause_negations(stream: _Stream) -> tuple[frozenset[int], ...]:
    """For each part, the negations anywhere in its clause."""
    clause_of = list(itertools.accumulate(int(b) for b in _breaks(stream)))
    in_clause: dict[int, set[int]] = {}
    for i in range(len(stream.keys)):
        if _is_negator(stream, i):
            in_clause.setdefault(clause_of[i], set()).add(i)
    return tuple(frozenset(in_clause.get(c, ())) for c in clause_of)


def _negations(stream: _Stream) -> tuple[frozenset[int], ...]:
    """For each part, the positions of the negations that reach it.

    A negation ("not", "never", "without", "instead of", ...) reaches the rest of its clause;
    when only stop and vague words follow it ("locks are not needed") it reaches back to the
    start of the clause instead. A clause ends at punctuation or at "but", "so", "because"...
    """
    keys, size = stream.keys, len(stream.keys)
    breaks = _breaks(stream)
    reach: list[set[int]] = [set() for _ in range(size)]
    for i, key in enumerate(keys):
        if not _is_negator(stream, i):
            continue
        short = key in _SHORT_NEGATOR_KEYS
        end, content = i + 1, 0
        while (
            end < size
            and not breaks[end]
            and not (short and content >= _SHORT_REACH)
            and keys[end] not in _NEGATOR_KEYS  # the next negation starts its own reach
        ):
            if not (stream.stops[end] or keys[end] in _VAGUE_KEYS):
                content += 1
            end += 1
        scope = list(range(i + 1, end))
        if all(stream.stops[k] or keys[k] in _VAGUE_KEYS for k in scope):
            start, content = i, 0
            while start > 0 and not breaks[start] and content < _BACKWARD_REACH:
                start -= 1
                if not (stream.stops[start] or keys[start] in _VAGUE_KEYS):
                    content += 1
            scope = list(range(start, i))
        for k in scope:
            reach[k].add(i)
    return tuple(frozenset(r) for r in reach)


@lru_cache(maxsize=1)
def _antonyms() -> Mapping[str, tuple[str, ...]]:
    """Single-word opposites by key: typed "immutable" states "mutable" negated."""
    opposites: dict[str, set[str]] = {}
    for group_a, group_b in ANTONYM_PAIRS:
        keys_a = {_key(w) for w in group_a}
        keys_b = {_key(w) for w in group_b}
        for a in keys_a:
            opposites.setdefault(a, set()).update(keys_b)
        for b in keys_b:
            opposites.setdefault(b, set()).update(keys_a)
    return {k: tuple(sorted(v)) for k, v in opposites.items()}


@lru_cache(maxsize=1)
def _known_keys() -> frozenset[str]:
    """Words spelt right: the synonym table's and the shipped model answers'. A typed word
    among them is never taken for a typo of another ("stale" is not "state")."""
    words = set(known_words()) | STOP_WORDS | VAGUE_WORDS
    words.update(w for group in SYNONYM_GROUPS for entry in group for w in entry.split())
    keys = {_key(p.casefold()) for w in words for p in re.findall(r"[A-Za-z]+", w)}
    return frozenset(keys)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _typo_candidate(key: str) -> bool:
    return len(key) >= TYPO_MIN_LENGTH and key.isascii() and key.isalpha()


@lru_cache(maxsize=256)  # a review page matches one answer against several point lists
def _index(text: str) -> _Answer:
    tokens = _tokens(text)
    parts = [p for t in tokens for p in t.parts]
    stream = _Stream.of(parts)
    positions: dict[str, list[tuple[int, int]]] = {}
    for position, key in enumerate(stream.keys):
        positions.setdefault(key, []).append((position, position + 1))
    at = 0
    for token in tokens:
        if len(token.parts) > 1:
            positions.setdefault(token.joined, []).append((at, at + len(token.parts)))
        at += len(token.parts)
    known = _known_keys()
    typos: dict[str, set[str]] = {}
    for key in positions:
        if _typo_candidate(key) and key not in known:
            for variant in {key} | _deletions(key):
                typos.setdefault(variant, set()).add(key)
    return _Answer(
        stream=stream,
        positions={k: tuple(v) for k, v in positions.items()},
        negations=_negations(stream),
        typos={k: tuple(sorted(v)) for k, v in typos.items()},
        text=_clean(text),
        spans=tuple((p.start, p.end) for p in parts),
        clauses=tuple(itertools.accumulate(int(b) for b in _breaks(stream))),
        sentences=tuple(itertools.accumulate(int(p.sentence) for p in parts)),
    )


def _occurrences(answer: _Answer, variant: tuple[str, ...]) -> list[tuple[int, int, bool]]:
    """Where a variant occurs: (start, end, negated). A typed opposite ("immutable" for
    "mutable") and a one-letter typo of a longer word ("databse") count as occurrences."""
    found: list[tuple[int, int, bool]] = []
    if len(variant) == 1:
        key = variant[0]
        for start, end in answer.positions.get(key, ()):
            found.append((start, end, answer.negated(start, end)))
        for opposite in _antonyms().get(key, ()):
            for start, end in answer.positions.get(opposite, ()):
                found.append((start, end, not answer.negated(start, end)))
        if not found and _typo_candidate(key):
            typed = {t for v in {key} | _deletions(key) for t in answer.typos.get(v, ())}
            for word in sorted(typed):
                for start, end in answer.positions.get(word, ()):
                    found.append((start, end, answer.negated(start, end)))
        return found
    for start, _ in answer.positions.get(variant[0], ()):
        end = _phrase_end(answer.stream, start, variant)
        if end > 0:
            found.append((start, end, answer.negated(start, end)))
    return found


def _extra_groups(synonyms: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, ...], ...]:
    if not synonyms:
        return ()
    return tuple(
        (term, alternatives) if isinstance(alternatives, str) else (term, *alternatives)
        for term, alternatives in sorted(synonyms.items())
    )


def _match_point(
    answer: _Answer, point: str, terms: Sequence[_Term], threshold: float
) -> PointMatch:
    matched: list[_Term] = []
    evidence: list[str] = []
    contradicted: list[_Term] = []
    against: list[str] = []
    occurrences = [
        [o for variant in sorted(term.variants) for o in _occurrences(answer, variant)]
        for term in terms
    ]
    clauses = [{answer.clauses[found[0]] for found in term_found} for term_found in occurrences]
    sentences: dict[int, set[int]] = {}  # the matched terms found in each sentence
    for index, term in enumerate(terms):
        # Agreeing where the negation reaches it alike, or where the point's negation stands on
        # another word of its clause and the answer's on this one: "threads do not help
        # CPU-bound work" states "CPU-bound code gets no speed-up".
        moved = term.negative_clause and not term.negated
        agree = [
            (s, e)
            for s, e, negated in occurrences[index]
            if negated == term.negated or (moved and negated)
        ]
        if agree:
            matched.append(term)
            evidence.append(answer.snippet(*agree[0]))
            for s, _ in agree:
                sentences.setdefault(answer.sentences[s], set()).add(index)
            continue
        if term.weight <= VAGUE_WEIGHT:
            continue
        # Stated the other way round in a clause about this point: another of its terms is
        # there too ("the GIL makes your code thread-safe"), not a passing mention elsewhere.
        disagree = [
            (s, e)
            for s, e, _ in occurrences[index]
            if any(answer.clauses[s] in other for j, other in enumerate(clauses) if j != index)
        ]
        if disagree:
            contradicted.append(term)
            against.append(answer.snippet(*disagree[0]))
    total = sum(t.weight for t in terms)
    found = sum(t.weight for t in matched)
    # A point is stated in a sentence or two, not gathered from words all over a long answer.
    near = max(
        (
            sum(
                terms[i].weight
                for i in set().union(*(sentences.get(s + k, set()) for k in range(SENTENCE_WINDOW)))
            )
            for s in sentences
        ),
        default=0.0,
    )
    # A long point is covered by its gist, when several of its terms are there.
    strong = [t for t in matched if t.weight >= SYNONYM_WEIGHT]
    cap = SCORE_CAP if len(matched) >= CAP_TERMS or len(strong) >= 2 else total
    score = near / min(total, cap) if total else 0.0
    score = round(min(1.0, max(0.0, score)), 4)
    # A plain word stated the other way round ("slows" against "faster", "alive" against "keeps
    # it alive") is the claim itself; a technical name in a negated clause may be in passing.
    against_weight = sum(
        t.weight * (CLAIM_FACTOR if t.weight < TECHNICAL_WEIGHT else 1) for t in contradicted
    )
    if against_weight < CONTRADICTION_SHARE * found:
        contradicted, against = [], []  # a slip beside a point otherwise stated as it is
    return PointMatch(
        point=point,
        covered=bool(terms) and score >= threshold and not contradicted,
        score=score,
        matched=tuple(t.label for t in matched),
        missing=tuple(t.label for t in terms if t not in matched),
        evidence=tuple(dict.fromkeys(evidence)),
        contradicted=tuple(t.label for t in contradicted),
        against=tuple(dict.fromkeys(against)),
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
    terms = [_terms(point, extra) for point in key_points]
    return [
        _match_point(answer, point, own, threshold)
        for point, own in zip(key_points, _topical(terms), strict=True)
    ]


def _topical(terms: Sequence[tuple[_Term, ...]]) -> list[tuple[_Term, ...]]:
    """Terms shared by many points of one answer ("index" in every point about indexes) name
    the topic, not the point: they weigh as vague words."""
    counts: dict[frozenset[tuple[str, ...]], int] = {}
    for own in terms:
        for term in own:
            counts[term.variants] = counts.get(term.variants, 0) + 1
    shared = max(TOPIC_POINTS, math.ceil(TOPIC_SHARE * len(terms)))
    return [
        tuple(
            replace(t, weight=min(t.weight, VAGUE_WEIGHT)) if counts[t.variants] >= shared else t
            for t in own
        )
        for own in terms
    ]


def coverage(matches: Sequence[PointMatch]) -> float:
    """The share of key points covered; 0.0 when there are none."""
    if not matches:
        return 0.0
    return sum(m.covered for m in matches) / len(matches)

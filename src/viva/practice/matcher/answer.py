"""A typed answer indexed for lookups, and where a term's variants occur in it."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from viva.practice.matcher.negation import clause_starts, is_negated, negation_reach
from viva.practice.matcher.tables import (
    deletions,
    known_keys,
    opposite_keys,
    phrase_end,
    typo_candidate,
)
from viva.practice.matcher.words import Stream, clean, key_of, tokenize

_CONDITIONS = frozenset(key_of(w) for w in ["if", "when", "whenever", "unless"])
NEGATION_ENDS = frozenset(key_of(w) for w in ["not", "never", "no"])

QUANTIFIER_REACH = 2
QUANTIFIER_AFTER = 3
DERIVED_MIN_LENGTH = 6  # stems sharing this many letters, one the start of the other, match
# ... when the longer one goes on with a suffix (as stemmed): "deploy-abl", "serial-iz", not
# another word: "thread" is no form of "thread-safe".
_SUFFIXES_TEXT = (
    "a e i y al ic iz is ion ism ist iti ment ent ant er or ar ive ous abl ibl at ur ing ed"
)
SUFFIXES = frozenset(_SUFFIXES_TEXT.split())
SHORT_ANSWER = 200  # words


@dataclass(frozen=True, slots=True)
class IndexedAnswer:
    """A typed answer indexed for lookups: its stream of parts, where each key occurs (a
    compound written whole, "threadsafe", at its first part), which negations reach each
    part, and its unknown longer words by their one-letter deletions (for typos)."""

    stream: Stream
    positions: Mapping[str, tuple[tuple[int, int], ...]]
    negations: tuple[frozenset[int], ...]
    typos: Mapping[str, tuple[str, ...]]
    extensions: Mapping[str, tuple[str, ...]]  # longer keys by their prefixes ("deploy")
    short: bool  # a typed answer of a few sentences, not a long text
    text: str
    spans: tuple[tuple[int, int], ...]
    # The clause of each part, counted from 0; a contrast after a comma (", not the body")
    # belongs to the clause before it: it says what that clause is not.
    clauses: tuple[int, ...]
    sentences: tuple[int, ...]  # the sentence of each part, counted from 0

    def snippet(self, start: int, end: int) -> str:
        return self.text[self.spans[start][0] : self.spans[end - 1][1]]

    def negated(self, start: int, end: int) -> bool:
        """Whether a negation outside ``[start, end)`` reaches it."""
        return is_negated(self.negations[start], start, end)


@lru_cache(maxsize=256)  # a review page matches one answer against several point lists
def index_answer(text: str) -> IndexedAnswer:
    tokens = tokenize(text)
    parts = [p for t in tokens for p in t.parts]
    stream = Stream.of(parts, tokens)
    positions: dict[str, list[tuple[int, int]]] = {}
    for position, key in enumerate(stream.keys):
        positions.setdefault(key, []).append((position, position + 1))
    at = 0
    for token in tokens:
        if len(token.parts) > 1:
            positions.setdefault(token.joined, []).append((at, at + len(token.parts)))
        at += len(token.parts)
    known = known_keys()
    typos: dict[str, set[str]] = {}
    for key in positions:
        if typo_candidate(key) and key not in known:
            for variant in {key} | deletions(key):
                typos.setdefault(variant, set()).add(key)
    extensions: dict[str, set[str]] = {}
    # Word forms in a typed answer of a few sentences; a long text meets many by chance.
    short = len(stream.keys) <= SHORT_ANSWER
    for key in positions if short else ():
        if len(key) > DERIVED_MIN_LENGTH and key.isascii() and key.isalpha():
            for end in range(DERIVED_MIN_LENGTH, len(key)):
                extensions.setdefault(key[:end], set()).add(key)
    return IndexedAnswer(
        stream=stream,
        positions={k: tuple(v) for k, v in positions.items()},
        negations=negation_reach(stream),
        typos={k: tuple(sorted(v)) for k, v in typos.items()},
        extensions={k: tuple(sorted(v)) for k, v in extensions.items()},
        short=short,
        text=clean(text),
        spans=tuple((p.start, p.end) for p in parts),
        clauses=_clauses(stream),
        sentences=tuple(itertools.accumulate(int(p.sentence) for p in parts)),
    )


_NON = key_of("non")
_CONTRAST_KEYS = frozenset(key_of(w) for w in ["not", "never", "no"])


def _clauses(stream: Stream) -> tuple[int, ...]:
    starts = [
        start and not (stream.pauses[i] and stream.wholes[i] and stream.keys[i] in _CONTRAST_KEYS)
        for i, start in enumerate(clause_starts(stream))
    ]
    return tuple(itertools.accumulate(int(b) for b in starts))


_HOW = key_of("how")


def _quantifiers(answer: IndexedAnswer, positions: range, clause: int) -> frozenset[str]:
    keys = answer.stream.keys
    return frozenset(
        keys[i]
        for i in positions
        if answer.clauses[i] == clause
        and not (i and keys[i - 1] == _HOW)  # "how many"
        # "if one statement fails": a condition, not a claim about how many.
        and not (i and keys[i - 1] in _CONDITIONS)
    )


def words_before(answer: IndexedAnswer, start: int) -> frozenset[str]:
    """The keys of the two words before ``start`` in its clause: a quantifier's reach."""
    return _quantifiers(
        answer, range(max(0, start - QUANTIFIER_REACH), start), answer.clauses[start]
    )


_CONTRASTS = frozenset(key_of(w) for w in ["but", "whereas", "while"])
ELLIPSIS_WORDS = 3  # at most this many words of substance in "but autoscaling is not"


@lru_cache(maxsize=256)
def elliptic_clauses(text: str) -> frozenset[int]:
    """Clauses that deny the claim of the clause before them in a few words of their own:
    "rolling updates are built in but autoscaling is not" (a contrast, a subject and a
    negation that ends it)."""
    answer = index_answer(text)
    keys, stops, clauses = answer.stream.keys, answer.stream.stops, answer.clauses
    found: set[int] = set()
    for start, key in enumerate(keys):
        if key not in _CONTRASTS or (start and clauses[start - 1] == clauses[start]):
            continue
        end = start + 1
        while end < len(keys) and clauses[end] == clauses[start]:
            end += 1
        words = [k for k in range(start + 1, end) if not stops[k]]
        last = max((k for k in range(start + 1, end) if answer.negations[k]), default=-1)
        if (
            0 < len(words) <= ELLIPSIS_WORDS
            and last >= 0
            and keys[end - 1] in NEGATION_ENDS
            and sentence_of(answer, start - 1) == sentence_of(answer, start)
        ):
            found.add(clauses[start])
    return frozenset(found)


def sentence_of(answer: IndexedAnswer, position: int) -> int:
    return answer.sentences[max(0, position)]


def words_after(answer: IndexedAnswer, end: int) -> frozenset[str]:
    """The keys of the three words after ``end`` in its clause ("iterate it as many times")."""
    return _quantifiers(
        answer,
        range(end, min(len(answer.clauses), end + QUANTIFIER_AFTER)),
        answer.clauses[end - 1],
    )


def occurrences_of(answer: IndexedAnswer, variant: tuple[str, ...]) -> list[tuple[int, int, bool]]:
    """Where a variant occurs: (start, end, negated). A typed opposite ("immutable" for
    "mutable") and a one-letter typo of a longer word ("databse") count as occurrences."""
    found: list[tuple[int, int, bool]] = []
    if len(variant) == 1:
        key = variant[0]
        for start, end in answer.positions.get(key, ()):
            found.append((start, end, answer.negated(start, end)))
        for opposite in opposite_keys().get(key, ()):
            for start, end in answer.positions.get(opposite, ()):
                found.append((start, end, not answer.negated(start, end)))
        if not found and answer.short and len(key) >= DERIVED_MIN_LENGTH and key.isalpha():
            # Another form of the word that the stemmer keeps apart: "deployable" and
            # "deploy", "replication" and "replica", "scalable" and "scaling" do not meet.
            derived = {w for w in answer.extensions.get(key, ()) if w[len(key) :] in SUFFIXES}
            derived.update(
                key[:end]
                for end in range(DERIVED_MIN_LENGTH, len(key))
                if key[:end] in answer.positions and key[end:] in SUFFIXES
            )
            for word in sorted(derived):
                for start, end in answer.positions.get(word, ()):
                    found.append((start, end, answer.negated(start, end)))
        if not found and typo_candidate(key):
            typed = {t for v in {key} | deletions(key) for t in answer.typos.get(v, ())}
            for word in sorted(typed):
                for start, end in answer.positions.get(word, ()):
                    found.append((start, end, answer.negated(start, end)))
        return found
    for start, _ in answer.positions.get(variant[0], ()):
        end = phrase_end(answer.stream, start, variant)
        if end > 0:
            found.append((start, end, answer.negated(start, end)))
    if len(variant) == 2 and variant[0] == _NON and not found:
        # "non-root" is "not as root": the word negated states it, the word plainly denies it.
        for start, end in answer.positions.get(variant[1], ()):
            negated = answer.negated(start, end)
            # The negation is part of what states it: "not run the app as root".
            before = [n for n in answer.negations[start] if n < start]
            found.append((min(before) if negated and before else start, end, not negated))
    return found

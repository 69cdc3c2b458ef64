"""A key point's weighted terms."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from viva.practice.matcher.negation import (
    REGARDLESS_KEYS,
    denials,
    is_negated,
    negation_reach,
    negations_in_clause,
    only_avoidance,
    only_replacement,
)
from viva.practice.matcher.tables import expand, longest_phrase, vocabulary_for
from viva.practice.matcher.words import VAGUE_KEYS, Stream, Token, clean, key_of, tokenize

TECHNICAL_WEIGHT = 2.0
SYNONYM_WEIGHT = 1.5
PLAIN_WEIGHT = 1.0
VAGUE_WEIGHT = 0.5
# A term in at least this many points of one answer, and this share of them, names the topic.
TOPIC_POINTS = 3
TOPIC_SHARE = 0.4
_SMALL_NUMBER = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Term:
    label: str
    weight: float
    variants: frozenset[tuple[str, ...]]
    negated: bool = False  # the key point states it negatively: "does not make it thread-safe"
    negative_clause: bool = False  # a negation stands anywhere in its clause
    denied: bool = False  # the point's claim denies it: "X does not make it Y", "X without Y"
    avoided: bool = False  # negated by a verb of avoidance only: "avoid N+1", "ignore CORS"
    replaced: bool = False  # negated by "replace" only: "replace dead connections"


def _weight(label: str, token: Token, *, in_table: bool, compound: bool) -> float:
    """Numbers, identifiers, acronyms and phrases say most; vague words say least."""
    if _SMALL_NUMBER.fullmatch(label):
        return PLAIN_WEIGHT
    if token.code_like or token.acronym or (in_table and compound):
        return TECHNICAL_WEIGHT
    if not compound and key_of(label.casefold()) in VAGUE_KEYS:
        return VAGUE_WEIGHT
    if in_table or compound:
        return SYNONYM_WEIGHT
    return PLAIN_WEIGHT


@lru_cache(maxsize=4096)
def point_terms(point: str, extra: tuple[tuple[str, ...], ...] = ()) -> tuple[Term, ...]:
    """A key point's terms, in order, each once."""
    vocabulary = vocabulary_for(extra)
    cleaned = clean(point)
    tokens = tokenize(point)
    parts = [p for t in tokens for p in t.parts]
    stream = Stream.of(parts, tokens)
    negations = negation_reach(stream)
    clause_negations = negations_in_clause(stream)

    def phrases_at(i: int) -> tuple[int, tuple[str, ...]]:
        return longest_phrase(vocabulary, tokens, parts, stream, i)

    terms: dict[frozenset[tuple[str, ...]], Term] = {}
    claims = denials(stream)

    def add(first: int, last: int, variants: Iterable[tuple[str, ...]], weight: float) -> None:
        label = cleaned[parts[first].start : parts[last].end]
        key = frozenset(variants)
        negated = is_negated(
            frozenset(n for n in negations[first] if stream.keys[n] not in REGARDLESS_KEYS),
            first,
            last + 1,
        )
        negative = is_negated(clause_negations[first], first, last + 1)
        denied = negated and any(n in claims and n < first for n in negations[first])
        avoided = negated and only_avoidance(stream, negations[first])
        replaced = negated and only_replacement(stream, negations[first])
        terms.setdefault(
            key, Term(label, weight, key, negated, negative, denied, avoided, replaced)
        )

    i = 0
    while i < len(parts):  # always at the first part of a token
        token = tokens[parts[i].token]
        last = i + len(token.parts) - 1
        identifier = token.code_like and len(token.parts) > 1
        end, phrase = (-1, ()) if identifier else phrases_at(i)
        if end > 0:
            label = cleaned[parts[i].start : parts[end - 1].end]
            weight = _weight(label, token, in_table=True, compound=end - i > 1)
            add(i, end - 1, expand(vocabulary, phrase), weight)
            i = end
            continue
        first, i = i, last + 1
        if all(p.stop for p in token.parts):
            continue
        own = tuple(p.key for p in token.parts)
        variants = expand(vocabulary, own)
        if len(own) > 1:
            # A compound is one term: "thread-safe", "thread safe" and "threadsafe" alike.
            variants |= expand(vocabulary, (token.joined,))
        if identifier and "." in token.text:
            # `str.isalnum` is also found as `c.isalnum()`.
            method = tokenize(token.text.rsplit(".", 1)[1])
            if method and method[0].parts[0].key not in VAGUE_KEYS:
                variants |= {tuple(p.key for p in method[0].parts), (method[0].joined,)}
        label = cleaned[parts[first].start : parts[last].end]
        add(first, last, variants, _weight(label, token, in_table=False, compound=len(own) > 1))
    return tuple(terms.values())


def topical(terms: Sequence[tuple[Term, ...]]) -> list[tuple[Term, ...]]:
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

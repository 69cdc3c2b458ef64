"""Saying a point the other way round without a negation: a quantifier, the order, a status code.

"they all run bytecode" states "only one thread runs bytecode" with the opposite quantifier;
"copy the source first and then install the dependencies" states "install before copying
source" in the wrong order; "invalid data gives a 500" states "invalid bodies get 422" with the
wrong code. Each contradicts the point as a negated term does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from viva.practice.matcher.answer import IndexedAnswer, index_answer, occurrences_of
from viva.practice.matcher.terms import VAGUE_WEIGHT, Term
from viva.practice.matcher.words import key_of

Spans = Sequence[tuple[int, int]]
# Words that order what stands before them and after them in a sentence: True when the first
# comes first ("install, then copy", "install before copying"), False for "after".
_ORDER_WORDS = {key_of("before"): True, key_of("then"): True, key_of("after"): False}
_STATUS = re.compile(r"[1-5]\d\d")
# Quantifiers: a point saying "only" or "one" is contradicted by a clause saying "all" or
# "every" about its terms, and the other way round.
UNIVERSAL_KEYS = frozenset(key_of(w) for w in ["all", "every", "always", "each", "everything"])
RESTRICTED_KEYS = frozenset(
    key_of(w) for w in ["only", "single", "one", "sometimes", "some", "rarely", "few", "hardly"]
)


# Many against a point's "only" or "once", before the term or just after it: "many threads
# run", "you can iterate it as many times as you want" against "iterated only once".
MANY_KEYS = frozenset(
    key_of(w) for w in ["many", "multiple", "unlimited"]
)  # not "repeatedly": "repeat"
_ONCE = frozenset(key_of(w) for w in ["once"])
_SAME = frozenset(key_of(w) for w in ["same"])
_ONE = frozenset(key_of(w) for w in ["one", "single"])
# Quantifier keys as typed: the feedback names "many", not its stem.
_WORD_OF = {key_of(w): w for w in ["many", "multiple", "unlimited", "everything"]}


def quantifier_clash(
    point_keys: frozenset[str], before: frozenset[str], after: frozenset[str] = frozenset()
) -> str | None:
    """The typed quantifier that says the opposite of the point's: "they all run bytecode"
    against "only one thread runs bytecode", "only some pushes" against "every push", "as many
    times as you want" against "only once"."""
    point_all, point_some = point_keys & UNIVERSAL_KEYS, point_keys & RESTRICTED_KEYS
    point_some |= point_keys & _ONCE
    if point_keys & _SAME:  # "all containers run on the same node": "one node" says it too
        before = before - _ONE
    before |= after & MANY_KEYS
    typed_all, typed_some = before & (UNIVERSAL_KEYS | MANY_KEYS), before & RESTRICTED_KEYS
    if point_some and not point_all and typed_all and not typed_some:
        return _WORD_OF.get(min(typed_all), min(typed_all))
    if point_all and not point_some and typed_some and not typed_all:
        return _WORD_OF.get(min(typed_some), min(typed_some))
    return None


def _order_claims(
    answer: IndexedAnswer, spans: Sequence[Spans]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(x, y) for each pair of terms a sentence puts in order, x first, with the stretch of
    text that says so. ``spans`` are where each term is found; a term on both sides of an
    order word is in no pair."""
    claims: dict[tuple[int, int], tuple[int, int]] = {}
    keys, wholes = answer.stream.keys, answer.stream.wholes
    for k, key in enumerate(keys):
        forward = _ORDER_WORDS.get(key)
        if forward is None or not wholes[k]:
            continue
        sentence = answer.sentences[k]
        left: dict[int, int] = {}
        right: dict[int, int] = {}
        for index, found in enumerate(spans):
            for s, e in found:
                if answer.sentences[s] != sentence:
                    continue
                if e <= k:
                    left[index] = min(left.get(index, s), s)
                elif s > k:
                    right[index] = max(right.get(index, e), e)
        for x in left.keys() - right.keys():
            for y in right.keys() - left.keys():
                pair = (x, y) if forward else (y, x)
                claims.setdefault(pair, (left[x], right[y]))
    return claims


@lru_cache(maxsize=4096)
def _point_order(point: str, terms: tuple[Term, ...]) -> frozenset[tuple[int, int]]:
    """The pairs of terms the point puts in order ("install before copying source")."""
    indexed = index_answer(point)
    spans = [
        [(s, e) for variant in sorted(t.variants) for s, e, _ in occurrences_of(indexed, variant)]
        if t.weight > VAGUE_WEIGHT
        else []
        for t in terms
    ]
    return frozenset(_order_claims(indexed, spans))


def wrong_order(
    answer: IndexedAnswer,
    point: str,
    terms: tuple[Term, ...],
    agreeing: Mapping[int, Spans],
) -> tuple[int, str, int] | None:
    """The term the answer puts on the wrong side of the point's order, the answer's words that
    say so and their clause; None when the answer keeps the order or says none."""
    ordered = _point_order(point, terms)
    if not ordered:
        return None
    spans = [agreeing.get(i, ()) for i in range(len(terms))]
    claims = _order_claims(answer, spans)
    for x, y in sorted(ordered):
        if (y, x) in claims and (x, y) not in claims:
            start, end = claims[(y, x)]
            return x, answer.snippet(start, end), answer.clauses[start]
    return None


# Plain words that say which way a claim goes, in pairs: too vague to be terms of weight, but a
# clause about a point that says "last" where the point says "first" ("nulls are sorted last"
# against "PostgreSQL puts NULLs first with DESC") or "more" where it says "less" ("header
# versioning is more visible" against "... but is less visible") says it the other way round.
_POLES = (
    (("first",), ("last",)),
    (("more",), ("less", "fewer")),
    (("better",), ("worse",)),
    (("most",), ("least",)),
)
POLES = tuple((frozenset(key_of(w) for w in a), frozenset(key_of(w) for w in b)) for a, b in _POLES)


def _weighty_spans(
    terms: tuple[Term, ...], agreeing: Mapping[int, Spans]
) -> list[tuple[int, int, int]]:
    """(term index, start, end) of each place the answer says a point's term of weight."""
    return [
        (index, s, e)
        for index, spans in sorted(agreeing.items())
        if terms[index].weight > VAGUE_WEIGHT
        for s, e in spans
    ]


@lru_cache(maxsize=4096)
def _whole_words(point: str) -> frozenset[str]:
    """The keys of a point's whole words: not "last" of "Last-Event-ID"."""
    stream = index_answer(point).stream
    return frozenset(k for k, whole in zip(stream.keys, stream.wholes, strict=True) if whole)


def wrong_pole(
    answer: IndexedAnswer,
    point: str,
    terms: tuple[Term, ...],
    agreeing: Mapping[int, Spans],
) -> tuple[int, str, int] | None:
    """A term of the point found in a clause that says the other pole of a pair the point
    says one of ("last" against "first"): the term, the answer's word and its clause."""
    keys, wholes = answer.stream.keys, answer.stream.wholes
    point_keys = _whole_words(point)
    if not any(point_keys & (a | b) for a, b in POLES):
        return None  # most points say no pole word
    found = [(index, s) for index, s, _ in _weighty_spans(terms, agreeing)]
    for side_a, side_b in POLES:
        for own, other in ((side_a, side_b), (side_b, side_a)):
            if not point_keys & own or point_keys & other:
                continue
            for clause in sorted({answer.clauses[s] for _, s in found}):
                said = [
                    k
                    for k in range(len(keys))
                    if answer.clauses[k] == clause and wholes[k] and not answer.negated(k, k + 1)
                ]
                poles = [k for k in said if keys[k] in other]
                if not poles or any(keys[k] in own for k in said):
                    continue
                # The term the pole word says it of: the nearest ("more visible").
                pole = poles[0]
                index = min(
                    (i for i, s in found if answer.clauses[s] == clause),
                    key=lambda i: min(
                        abs(s - pole) for j, s in found if j == i and answer.clauses[s] == clause
                    ),
                )
                return index, answer.snippet(pole, pole + 1), clause
    return None


# "X is only for Y": the answer gives X one use, Y; a point that says what X does, and names
# nothing of Y, is denied ("response_model is only for the docs page" against "response_model
# filters the output"). Not where the point says "only" itself.
_ONLY = frozenset(key_of(w) for w in ["only", "solely", "merely"])
_COPULA = frozenset(key_of(w) for w in ["is", "are", "was", "were"])
_SOFTENERS = frozenset(key_of(w) for w in ["really", "just", "mostly", "basically", "there"])
_FOR = key_of("for")
_SUBJECT_REACH = 3  # the subject term ends this many words before the copula at most


def one_use_only(
    answer: IndexedAnswer,
    point: str,
    terms: tuple[Term, ...],
    agreeing: Mapping[int, Spans],
) -> tuple[int, str, int] | None:
    """A term of the point that the answer says is "only for" something the point does not
    name: the term, the answer's words and their clause."""
    if _whole_words(point) & _ONLY:
        return None
    keys, clauses = answer.stream.keys, answer.clauses
    found = _weighty_spans(terms, agreeing)
    for k, key in enumerate(keys):
        if key not in _ONLY or k + 1 >= len(keys):
            continue
        after = k + 1
        while after < len(keys) and keys[after] in _SOFTENERS:
            after += 1
        before = k - 1
        while before >= 0 and keys[before] in _SOFTENERS:
            before -= 1
        if after >= len(keys) or keys[after] != _FOR or before < 0 or keys[before] not in _COPULA:
            continue
        clause = clauses[k]
        if any(s > after and clauses[s] == clause for _, s, _ in found):
            continue  # "... only for I/O-bound work": what it is for is the point's
        subject = [
            (index, s)
            for index, s, e in found
            if clauses[s] == clause and before - _SUBJECT_REACH <= e <= before
        ]
        if subject:
            index, s = subject[-1]
            end = min(len(keys), after + 3)
            return index, answer.snippet(s, end), clause
    return None


def wrong_status(
    answer: IndexedAnswer,
    terms: tuple[Term, ...],
    agreeing: Mapping[int, Spans],
) -> tuple[int, str, int] | None:
    """A status code of the point that the answer does not say, where the answer gives
    another code in a clause about the point ("invalid data gives a 500" against "invalid
    bodies get 422"): the term, the answer's code and its clause."""
    missing = [i for i, t in enumerate(terms) if _STATUS.fullmatch(t.label) and i not in agreeing]
    if not missing:
        return None
    own = {variant for t in terms for variant in t.variants}
    about = {answer.clauses[s] for spans in agreeing.values() for s, _ in spans}
    for position, key in enumerate(answer.stream.keys):
        if (
            _STATUS.fullmatch(key)
            and (key,) not in own
            and answer.clauses[position] in about
            and not answer.negated(position, position + 1)
        ):
            return missing[0], answer.snippet(position, position + 1), answer.clauses[position]
    return None

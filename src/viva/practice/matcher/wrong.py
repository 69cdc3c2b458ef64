"""Wrong claims: how candidates misstate a key point in their own words (an answer file's
``wrong_claims:``), which no reading of the point's own words can see ("opening connections
is basically free" against "new connections are costly").

Each entry is keyed like ``synonyms:``, by a word or phrase of a key point, and lists phrases
that state that point wrongly. A phrase is read as the checker reads answers and synonyms
(normalised and stemmed; its own stop words, but not its negations, left out, and any stop
words allowed between its words; a longer word one letter away);
found in an answer and not negated there ("it is not basically free"), it contradicts every
point that says its key: the point is not covered, and the feedback quotes the answer's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from viva.practice.matcher.answer import IndexedAnswer, index_answer, occurrences_of
from viva.practice.matcher.point import PointMatch
from viva.practice.matcher.tables import (
    AnswerMaps,
    _content,
    _entry_variants,
    _in_text,
    _vague,
    deletions,
    load_answer_maps,
    typo_candidate,
)
from viva.practice.matcher.words import NEGATING_STOP_KEYS, tokenize

WrongClaims = Mapping[str, Sequence[str]]


def wrong_claim_problems(key_points: Sequence[str], wrong_claims: WrongClaims) -> list[str]:
    """What is wrong with a question's ``wrong_claims:``: a key that no key point says (it
    would never be used), a key of vague words only, a claim of vague words only (it would
    fire on any answer)."""
    problems = []
    for term, claims in wrong_claims.items():
        if not any(_in_text(term, p) for p in key_points):
            problems.append(f"'{term}' is in no key point")
            continue
        if _vague(term):
            problems.append(f"'{term}' has only vague words")
            continue
        for claim in claims:
            content = _content(claim)
            if not content or (len(content) == 1 and _vague(claim)):
                problems.append(f"'{term}': '{claim}' has only vague words")
    return problems


def load_wrong_claims(directory: Path | None = None) -> AnswerMaps:
    """Each answer file's ``wrong_claims:``, keyed by its key points; checked on load
    (ValueError naming the answer and the entry)."""
    return load_answer_maps("wrong_claims", wrong_claim_problems, directory)


@lru_cache(maxsize=1)
def _shipped() -> AnswerMaps:
    return load_wrong_claims()


def answer_wrong_claims(key_points: Sequence[str]) -> Mapping[str, Sequence[str]]:
    """The ``wrong_claims:`` of the shipped model answer with these key points; empty for
    others."""
    return _shipped().get(tuple(key_points), {})


def _typed(answer: IndexedAnswer, key: str) -> frozenset[str]:
    """The answer's keys that say ``key``: itself, or a longer word typed one letter away."""
    if not typo_candidate(key):
        return frozenset({key})
    return frozenset({key} | {t for v in {key} | deletions(key) for t in answer.typos.get(v, ())})


def _phrase_occurrences(answer: IndexedAnswer, variant: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where a phrase of several words occurs, each word as typed or one letter away
    ("opening conections is basicaly free"); stop words may come between its words,
    punctuation and negations may not (as :func:`tables.phrase_end`)."""
    keys, stops, pauses = answer.stream.keys, answer.stream.stops, answer.stream.pauses
    wanted = [_typed(answer, k) for k in variant]
    found = []
    for start in range(len(keys)):
        if keys[start] not in wanted[0]:
            continue
        position = start + 1
        for words in wanted[1:]:
            while position < len(keys) and not pauses[position] and keys[position] not in words:
                if not stops[position] or keys[position] in NEGATING_STOP_KEYS:
                    break
                position += 1
            if position >= len(keys) or pauses[position] or keys[position] not in words:
                break
            position += 1
        else:
            found.append((start, position))
    return found


@lru_cache(maxsize=4096)
def _claim_variants(claim: str) -> frozenset[tuple[str, ...]]:
    """A claim's variants without its stop words, but with its negations: "connections are
    cheap" is found in "a connection is cheap", "does not need a lock" keeps its "not"."""
    stops = {p.key for t in tokenize(claim) for p in t.parts if p.stop}
    variants = set()
    for variant in _entry_variants(claim):
        kept = tuple(k for k in variant if k not in stops or k in NEGATING_STOP_KEYS)
        variants.add(kept if len(kept) > 1 else variant)
    return frozenset(variants)


def found_claim(answer_text: str, claim: str) -> str:
    """The answer's words that state ``claim`` (not negated); empty when it does not."""
    answer = index_answer(answer_text)
    for variant in sorted(_claim_variants(claim)):
        if len(variant) == 1:
            spans = [(s, e) for s, e, negated in occurrences_of(answer, variant) if not negated]
        else:
            spans = [(s, e) for s, e in _phrase_occurrences(answer, variant)]
            spans = [(s, e) for s, e in spans if not answer.negated(s, e)]
        if spans:
            return answer.snippet(*min(spans))
    return ""


def apply_wrong_claims(
    answer_text: str, matches: Sequence[PointMatch], wrong_claims: WrongClaims
) -> list[PointMatch]:
    """The matches, with every point whose wrong claim the answer states contradicted."""
    result = list(matches)
    for term, claims in sorted(wrong_claims.items()):
        said = [s for s in (found_claim(answer_text, c) for c in claims) if s]
        if not said:
            continue
        for i, match in enumerate(result):
            if _in_text(term, match.point) and said[0] not in match.against:
                result[i] = replace(
                    match,
                    covered=False,
                    contradicted=(*match.contradicted, term),
                    against=(*match.against, said[0]),
                )
    return result

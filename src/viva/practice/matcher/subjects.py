"""Whose claim a word is: a point about one of several named subjects is stated only where the
answer speaks of that subject.

The key points of one answer often say different things of different named subjects: "GET is
safe and idempotent", "POST ... not idempotent", "DELETE is idempotent"; "Memcached is
multi-threaded; Redis executes commands on one main thread". A subject is the first term of a
point, or of a part of it after ";", that names a thing: a technical term (weight 1.5 or more)
or a word that two points or more name. With two subjects or more in one answer's points, each
other term of a point belongs to the subject before it in its part of the point; where the
answer says that term in a clause about another subject and not about its own ("POST is
idempotent", "redis is multithreaded"), it says it of the other subject, so it is no evidence
for the point, and no contradiction of it either. A clause that names no subject is about the
subject of the clause before it in the sentence ("POST is idempotent, so you can safely retry
it"); one that starts with "unlike" or "not" is no such clause ("redis, unlike memcached, can
persist" is about redis).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from viva.practice.matcher.answer import IndexedAnswer, occurrences_of
from viva.practice.matcher.terms import (
    SYNONYM_WEIGHT,
    TECHNICAL_WEIGHT,
    TOPIC_POINTS,
    TOPIC_SHARE,
    VAGUE_WEIGHT,
    Term,
)
from viva.practice.matcher.words import key_of

Variants = frozenset[tuple[str, ...]]
_CONTRAST_KEYS = frozenset(key_of(w) for w in ["unlike", "not", "except", "besides"])
# A clause that opens with a pronoun names its subject by it ("you get a 404"): "it", "they"
# are the subject of the clause before ("so you can safely retry it" too); "we", "I" the
# speaker, about no subject.
_PRONOUN_KEYS = frozenset(
    key_of(w) for w in ["it", "its", "they", "this", "that", "these", "those", "there", "you"]
)
_SPEAKER_KEYS = frozenset(key_of(w) for w in ["we", "i"])


@dataclass(frozen=True, slots=True)
class Subjects:
    """The named subjects of one answer's points, and the subject each term belongs to."""

    entities: tuple[Variants, ...]
    # Per entity, the entities that share a word with it: "generator expression" and
    # "generators" are one subject.
    kin: tuple[frozenset[int], ...]
    # Per point: a term's variants -> its subject in ``entities``, with its kin.
    owners: tuple[Mapping[Variants, frozenset[int]], ...]


def _parts_of(point: str, terms: Sequence[Term]) -> list[int]:
    """The part of the point (split at ";") each term stands in."""
    cursor, parts = 0, []
    folded = point.casefold()
    for term in terms:
        at = folded.find(term.label.casefold(), cursor)
        cursor = cursor if at < 0 else at
        parts.append(folded.count(";", 0, cursor))
    return parts


def _a_name(term: Term) -> bool:
    """Whether a term names a thing: an acronym, an identifier or a phrase ("GET",
    "field_validator", "named volumes"), not one adjective of the table ("declarative")."""
    return term.weight >= TECHNICAL_WEIGHT or (
        term.weight >= SYNONYM_WEIGHT and len(term.label.split()) > 1
    )


def find_subjects(points: Sequence[str], terms: Sequence[Sequence[Term]]) -> Subjects | None:
    """The subjects of the points ``terms`` are of (their weights before topic words are made
    vague); None when there are fewer than two."""
    named: dict[Variants, int] = {}
    for own in terms:
        for term in own:
            named[term.variants] = named.get(term.variants, 0) + 1
    candidates: list[Variants] = []
    for point, own in zip(points, terms, strict=True):
        seen: set[int] = set()
        for term, part in zip(own, _parts_of(point, own), strict=True):
            if part in seen:
                continue
            seen.add(part)
            if term.weight > VAGUE_WEIGHT and (_a_name(term) or named[term.variants] >= 2):
                candidates.append(term.variants)
    # A word most points name is the topic ("cache" in every point about caching): a subject
    # only beside another such word (Redis and Memcached, each in most points).
    topic = max(TOPIC_POINTS, math.ceil(TOPIC_SHARE * len(points)))
    topics = {c for c in candidates if named[c] >= topic}
    entities = tuple(c for c in dict.fromkeys(candidates) if c not in topics or len(topics) > 1)
    if len(entities) < 2:
        return None
    index = {e: i for i, e in enumerate(entities)}
    words = [{k for variant in e for k in variant} for e in entities]
    kin = tuple(frozenset(j for j, other in enumerate(words) if other & mine) for mine in words)
    owners = []
    for point, own in zip(points, terms, strict=True):
        owner: dict[Variants, frozenset[int]] = {}
        current, part_now = None, -1
        for term, part in zip(own, _parts_of(point, own), strict=True):
            if part != part_now:
                current, part_now = None, part
            if term.variants in index:
                current = index[term.variants]
            elif current is not None:
                owner[term.variants] = kin[current]
        owners.append(owner)
    return Subjects(entities, kin, tuple(owners))


def subject_context(answer: IndexedAnswer, subjects: Subjects) -> tuple[frozenset[int], ...]:
    """For each clause of the answer, the subjects it is about: those it opens with ("redis is
    multithreaded", "in redis, ...", "PUT and PATCH are the same"; not "you get a 404", nor
    "more types than redis"), else those of the clause before it in the sentence."""
    keys, stops = answer.stream.keys, answer.stream.stops
    clauses = answer.clauses[-1] + 1 if answer.clauses else 0
    starts: dict[int, tuple[int, int]] = {}  # where each entity occurs, by start
    for entity, variants in enumerate(subjects.entities):
        for variant in sorted(variants):
            for start, end, _ in occurrences_of(answer, variant):
                # Whole words: "model_dump" does not name the model.
                firsts = answer.stream.firsts
                if firsts[start] and (end == len(firsts) or firsts[end]):
                    starts.setdefault(start, (entity, end))
    named: list[set[int]] = [set() for _ in range(clauses)]
    contrast: set[int] = set()  # clauses that start with "unlike", "not"
    speaker: set[int] = set()  # clauses that open with "you", "we"
    position = 0
    while position < len(keys):
        clause = answer.clauses[position]
        if keys[position] in _CONTRAST_KEYS:
            contrast.add(clause)
        # The clause's opening words: stop words, then subjects joined by "and", "or".
        while position < len(keys) and answer.clauses[position] == clause:
            if keys[position] in _SPEAKER_KEYS:
                speaker.add(clause)
            if keys[position] in _PRONOUN_KEYS | _SPEAKER_KEYS:
                break
            if position in starts:
                entity, position = starts[position]
                named[clause].add(entity)
                continue
            if not stops[position]:
                break
            position += 1
        while position < len(keys) and answer.clauses[position] == clause:
            position += 1
    sentence_of = {c: answer.sentences[p] for p, c in reversed(list(enumerate(answer.clauses)))}
    context: list[frozenset[int]] = []
    for clause in range(clauses):
        about = frozenset(named[clause])
        back = clause - 1
        while (
            not about
            and clause not in speaker
            and back >= 0
            and sentence_of.get(back) == sentence_of.get(clause)
        ):
            if back not in contrast:
                about = frozenset(named[back])
            back -= 1
        context.append(about)
    return tuple(context)


def said_of_another(
    answer: IndexedAnswer,
    context: Sequence[frozenset[int]],
    owner: frozenset[int] | None,
    start: int,
) -> bool:
    """Whether the answer says the word at ``start`` of another subject than ``owner`` (the
    term's subject and its kin)."""
    if owner is None:
        return False
    about = context[answer.clauses[start]]
    return bool(about) and not about & owner

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
from viva.practice.matcher.words import VAGUE_KEYS, key_of

Variants = frozenset[tuple[str, ...]]
_CONTRAST_KEYS = frozenset(key_of(w) for w in ["unlike", "not", "except", "besides"])
# A clause that opens with a pronoun names its subject by it ("you get a 404"): "it", "they"
# are the subject of the clause before ("so you can safely retry it" too); "we", "I" the
# speaker, about no subject.
_PRONOUN_KEYS = frozenset(
    key_of(w) for w in ["it", "its", "they", "this", "that", "these", "those", "there", "you"]
)
_SPEAKER_KEYS = frozenset(key_of(w) for w in ["we", "i"])
# A subject after these words, or at the start of a line, starts a stretch about it within a
# clause: "memcached is multithreaded and redis persists to disk".
_JOIN_KEYS = frozenset(key_of(w) for w in ["and", "or", "while", "whereas", "but"])


def _line_break(answer: IndexedAnswer, position: int) -> bool:
    """Whether a line ends between the part at ``position`` and the one before."""
    before, here = answer.spans[position - 1], answer.spans[position]
    return "\n" in answer.text[before[1] : here[0]]


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
    """For each part of the answer, the subjects it is said of. A clause is about the subjects
    it opens with ("redis is multithreaded", "in redis, ...", "PUT and PATCH are the same"; not
    "you get a 404"), else about those of the clause before it in the sentence; within a
    clause, a subject after "and", "or", "while" or at the start of a line starts a new stretch
    about it ("memcached is multithreaded and redis persists to disk"; not "more types than
    redis", "a wrapper around containers")."""
    keys, stops = answer.stream.keys, answer.stream.stops
    firsts = answer.stream.firsts
    size = len(keys)
    starts: dict[int, tuple[int, int, bool]] = {}  # entity occurrences: start -> entity, end
    for entity, variants in enumerate(subjects.entities):
        for variant in sorted(variants):
            plain = len(variant) == 1 and variant[0] in VAGUE_KEYS  # "get": only as a subject
            for start, end, _ in occurrences_of(answer, variant):
                # Whole words: "model_dump" does not name the model.
                if firsts[start] and (end == size or firsts[end]):
                    starts.setdefault(start, (entity, end, plain))
    context: list[frozenset[int]] = []
    current: frozenset[int] = frozenset()  # the subjects of the stretch being read
    sentence = -1
    position = 0
    while position < size:
        clause = answer.clauses[position]
        opened: set[int] = set()
        at, speaker = position, False
        while at < size and answer.clauses[at] == clause:  # the clause's opening words
            if keys[at] in _SPEAKER_KEYS:
                speaker = True
            if keys[at] in _PRONOUN_KEYS | _SPEAKER_KEYS:
                break
            if at in starts:
                opened.add(starts[at][0])
                at = starts[at][1]
                continue
            if not stops[at]:
                break
            at += 1
        if opened:
            about = frozenset(opened)
        elif speaker or answer.sentences[position] != sentence:
            about = frozenset()
        else:
            about = current
        sentence = answer.sentences[position]
        # "unlike memcached, redis can persist": a contrast is about no stretch after it.
        if keys[position] not in _CONTRAST_KEYS:
            current = about
        while position < size and answer.clauses[position] == clause:
            found = starts.get(position)
            if (
                found is not None
                and position > at
                and not found[2]
                and (keys[position - 1] in _JOIN_KEYS or _line_break(answer, position))
            ):
                about = frozenset({found[0]})
                if keys[position] not in _CONTRAST_KEYS:
                    current = about
            context.append(about)
            position += 1
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
    about = context[start]
    return bool(about) and not about & owner

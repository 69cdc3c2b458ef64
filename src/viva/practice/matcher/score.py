"""Scoring a typed answer against key points: what is covered, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from viva.practice.matcher.answer import (
    IndexedAnswer,
    elliptic_clauses,
    occurrences_of,
    words_after,
    words_before,
)
from viva.practice.matcher.contrary import (
    one_use_only,
    quantifier_clash,
    wrong_order,
    wrong_pole,
    wrong_status,
)
from viva.practice.matcher.point import DENIAL_REASON, MENTION_REASON, PointMatch
from viva.practice.matcher.subjects import said_of_another
from viva.practice.matcher.terms import (
    SYNONYM_WEIGHT,
    TECHNICAL_WEIGHT,
    VAGUE_WEIGHT,
    Term,
)
from viva.practice.matcher.words import VAGUE_KEYS, tokenize

DEFAULT_THRESHOLD = 0.45
# A point is contradicted when the weight of its contradicted terms reaches this share of the
# weight of its terms found as the model answer states them.
CONTRADICTION_SHARE = 0.3
# A long point is covered by the gist: found weight counts against at most this much.
SCORE_CAP = 5.0
# A point whose gist the answer states in a phrase of its own ("do not query the db each time"
# for "offloads the database") is covered on that phrase and a little more.
PHRASE_CAP = 4.0
CAP_TERMS = 3
CAP_TERMS_SHORT = 2  # ... or this many in a short answer
SENTENCE_WINDOW = 2  # consecutive sentences a point's terms may be spread over
CLAIM_FACTOR = 2.0
# One term found is a mention, not the point, when the point names this many terms...
MENTION_TERMS = 3
MENTION_WORDS = 4  # ... unless the answer says it in a phrase of this many words of its own


@lru_cache(maxsize=8192)
def _keys(text: str) -> frozenset[str]:
    return frozenset(p.key for token in tokenize(text) for p in token.parts)


@lru_cache(maxsize=8192)
def _content_keys(text: str) -> frozenset[str]:
    return frozenset(p.key for token in tokenize(text) for p in token.parts if not p.stop)


@lru_cache(maxsize=8192)
def content_keys_in_order(text: str) -> tuple[str, ...]:
    return tuple(p.key for token in tokenize(text) for p in token.parts if not p.stop)


def _paraphrased(answer: IndexedAnswer, term: Term, start: int, end: int) -> bool:
    """Whether the typed words ``[start, end)`` say the term in a phrase of two or more words
    of their own: "do not query the db each time" for "offloads the database"."""
    stream = answer.stream
    typed = {stream.keys[i] for i in range(start, end) if not stream.stops[i]}
    if sum(not stream.stops[i] and stream.wholes[i] for i in range(start, end)) < 2:
        return False
    return not typed <= _content_keys(term.label)


def match_point(
    answer: IndexedAnswer,
    point: str,
    terms: Sequence[Term],
    threshold: float,
    tainted: frozenset[int] = frozenset(),
    whose: tuple[Mapping[frozenset[tuple[str, ...]], frozenset[int]], Sequence[frozenset[int]]]
    | None = None,
) -> tuple[PointMatch, frozenset[int]]:
    """The match, and the sentences where the answer contradicts the point. ``whose``: the
    subject each term belongs to, and the subjects each clause of the answer is about (a term
    said of another subject is not found)."""
    matched: list[Term] = []
    evidence: list[str] = []
    contradicted: list[Term] = []
    against: list[str] = []
    against_sentences: set[int] = set()
    occurrences = [
        [o for variant in sorted(term.variants) for o in occurrences_of(answer, variant)]
        for term in terms
    ]
    # The clauses about the point: where its terms are, said of whichever subject.
    clauses = [{answer.clauses[found[0]] for found in term_found} for term_found in occurrences]
    if whose is not None:
        # ... but a term said of another subject ("POST is idempotent" for "GET is safe and
        # idempotent") neither states nor contradicts it.
        owners, context = whose
        occurrences = [
            [
                o
                for o in found
                if not said_of_another(answer, context, owners.get(term.variants), o[0])
            ]
            for term, found in zip(terms, occurrences, strict=True)
        ]
    sentences: dict[int, set[int]] = {}  # the matched terms found in each sentence
    # A point with a negation of its own ("X, not Y", "no functions on indexed columns") may
    # be retold with the negation on another word: a negated term is no contradiction there.
    polar = any(t.negative_clause for t in terms)
    phrased: list[Term] = []  # matched by a phrase of the table typed in several words
    # Agreeing where the negation reaches it alike, or where the point's negation stands on
    # another word of its clause and the answer's on this one: "threads do not help CPU-bound
    # work" states "CPU-bound code gets no speed-up".
    agreeing = {
        index: agree
        for index, term in enumerate(terms)
        if (
            agree := [
                (s, e)
                for s, e, negated in occurrences[index]
                if negated == term.negated
                or (term.negative_clause and not term.negated and negated)
                or (term.replaced and not negated)
            ]
        )
    }
    # A word inside the words that state another term says what that term says: "run" in "do
    # not run the app as root" for "run as a non-root user".
    inside = {
        index: spans
        for index in range(len(terms))
        if index not in agreeing
        and (
            spans := [
                (s, e)
                for s, e, _ in occurrences[index]
                if any(
                    a <= s and e <= b and (a, b) != (s, e)
                    for found in agreeing.values()
                    for a, b in found
                )
            ]
        )
    }
    agreeing.update(inside)
    # A negation that is itself a word of the point, found as the term next to this one,
    # states the point: "the container is deleted" for "survive container removal" (not "the
    # named volume is deleted" for "named volumes ... survive container removal").
    stated_by = {
        index: spans
        for index, term in enumerate(terms)
        if index not in agreeing
        and (
            spans := [
                (s, e)
                for s, e, negated in occurrences[index]
                if negated != term.negated
                and (reach := [n for n in answer.negations[s] if not s <= n < e])
                and all(
                    any(
                        a <= n < b
                        for j, found in agreeing.items()
                        if abs(j - index) == 1
                        for a, b in found
                    )
                    for n in reach
                )
            ]
        )
    }
    agreeing.update(stated_by)

    elliptic = elliptic_clauses(answer.text)

    def about_point(index: int, start: int) -> bool:
        """Whether another term of the point is in the clause at ``start`` (or in the clause
        before it, which a short denial such as "but autoscaling is not" is about)."""
        clause = answer.clauses[start]
        about = {clause, clause - 1} if clause in elliptic else {clause}
        return any(about & other for j, other in enumerate(clauses) if j != index)

    # A word found only as one vague word of its group ("set" for "configures") says no more
    # than a vague word: it weighs as one. (A name is a name: "get" for "GET".)
    said = _keys(point)  # ... unless the point says that word itself ("check exp")
    plain = [
        {
            (s, e)
            for variant in term.variants
            if not (len(variant) == 1 and variant[0] in VAGUE_KEYS - said)
            for s, e, _ in occurrences_of(answer, variant)
        }
        for term in terms
    ]
    terms = [
        replace(term, weight=VAGUE_WEIGHT)
        if index in agreeing
        and term.weight < TECHNICAL_WEIGHT
        and not plain[index] & set(agreeing[index])
        else term
        for index, term in enumerate(terms)
    ]
    for index, term in enumerate(terms):
        agree = agreeing.get(index, [])
        weighty = term.weight > VAGUE_WEIGHT and not (polar and not term.negated)
        # Stated the other way round in a clause about this point: another of its terms is
        # there too ("the GIL makes your code thread-safe"), not a passing mention elsewhere,
        # and not in words that state another term ("do not run as root" is "non-root").
        # A point's "avoid X" is no contradiction of an answer that names X plainly: it says
        # how X is kept away ("fix the N+1 queries with selectinload").
        disagree = [
            (s, e)
            for s, e, negated in occurrences[index]
            if (negated or not term.avoided)
            and about_point(index, s)
            and not any(a < e and s < b for spans in agreeing.values() for a, b in spans)
        ]
        if agree:
            matched.append(term)
            evidence.append(answer.snippet(*agree[0]))
            if any(_paraphrased(answer, term, s, e) for s, e in agree):
                phrased.append(term)
            for s, _ in agree:
                if answer.clauses[s] not in tainted:
                    sentences.setdefault(answer.sentences[s], set()).add(index)
            continue
        if weighty and disagree:
            contradicted.append(term)
            against.append(answer.snippet(*disagree[0]))
            against_sentences.update(answer.clauses[s] for s, _ in disagree)
    point_keys = _keys(point)
    for index, found_spans in agreeing.items():
        if terms[index].weight <= VAGUE_WEIGHT:
            continue
        clash = next(
            (
                q
                for s, e in found_spans
                if (
                    q := quantifier_clash(
                        point_keys, words_before(answer, s), words_after(answer, e)
                    )
                )
            ),
            None,
        )
        if clash is not None:
            contradicted.append(terms[index])
            against.append(clash)
            break
    # The other way round without a negation: the wrong order, another status code.
    own = tuple(terms)
    # The other pole of a plain pair in the clause that states the point is no slip.
    pole = wrong_pole(answer, point, own, agreeing)
    for contrary in (
        wrong_order(answer, point, own, agreeing),
        wrong_status(answer, own, agreeing),
        one_use_only(answer, point, own, agreeing),
        pole,
    ):
        if contrary is not None and terms[contrary[0]] not in contradicted:
            contradicted.append(terms[contrary[0]])
            against.append(contrary[1])
            against_sentences.add(contrary[2])
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
    # In a typed answer of a few sentences two of its terms are the gist: such an answer names
    # few words, and those on purpose. A long text meets many terms by chance.
    telling = [t for t in matched if t.weight > VAGUE_WEIGHT]
    gist = answer.short and len(telling) >= CAP_TERMS_SHORT and bool(strong)
    cap = SCORE_CAP if len(matched) >= CAP_TERMS or len(strong) >= 2 or gist else total
    if any(t.weight >= TECHNICAL_WEIGHT for t in phrased):
        cap = min(cap, PHRASE_CAP)
    score = near / min(total, cap) if total else 0.0
    score = round(min(1.0, max(0.0, score)), 4)
    # A plain word stated the other way round ("slows" against "faster", "alive" against "keeps
    # it alive") is the claim itself; a technical name in a negated clause may be in passing.
    against_weight = sum(
        t.weight * (CLAIM_FACTOR if t.weight < TECHNICAL_WEIGHT else 1) for t in contradicted
    )
    if against_weight < CONTRADICTION_SHARE * found and pole is None:
        contradicted, against = [], []  # a slip beside a point otherwise stated as it is
        against_sentences.clear()
    # A point that denies something ("does not make it thread-safe", "without keeping it
    # alive", "no functions on indexed columns") is about what it denies: one of the denied
    # terms must be found, denied alike.
    denied = [t for t in terms if t.denied and t.weight > VAGUE_WEIGHT]
    # (or the answer's own negation on another of its words: "threads do not help CPU-bound
    # work" for "CPU-bound code gets no speed-up").
    moved_denial = any(answer.negated(s, e) for index, spans in agreeing.items() for s, e in spans)
    denial_found = not denied or moved_denial or any(t in matched for t in denied)
    reason = ""
    if score >= threshold and not contradicted and not denial_found:
        reason = DENIAL_REASON + ", ".join(t.label for t in denied)
    # "sql databases have no transactions" names the relational database of "default to a
    # relational database unless a concrete need says otherwise", and says nothing of it.
    mention = (
        len(matched) == 1
        and len(terms) >= MENTION_TERMS
        and not any(e - s >= MENTION_WORDS for s, e in agreeing.get(terms.index(matched[0]), []))
    )
    if score >= threshold and not contradicted and denial_found and mention:
        reason = MENTION_REASON
    match = PointMatch(
        point=point,
        covered=bool(terms)
        and score >= threshold
        and not contradicted
        and denial_found
        and not mention,
        score=score,
        matched=tuple(t.label for t in matched),
        missing=tuple(t.label for t in terms if t not in matched),
        evidence=tuple(dict.fromkeys(evidence)),
        contradicted=tuple(t.label for t in contradicted),
        against=tuple(dict.fromkeys(against)),
        reason=reason,
    )
    return match, frozenset(against_sentences)

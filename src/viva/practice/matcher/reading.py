"""Reading a whole answer against its key points: every point scored (score.py), a strict
second reading of a short answer that contradicts the model answer, a point's claim stated
whole, and the two readings of a question with synonyms of its own (the shared tables alone,
and with the question's groups too)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from viva.practice.matcher.answer import IndexedAnswer, index_answer
from viva.practice.matcher.point import DENIAL_REASON, STRICT_REASON, PointMatch
from viva.practice.matcher.score import DEFAULT_THRESHOLD, content_keys_in_order, match_point
from viva.practice.matcher.subjects import find_subjects, subject_context
from viva.practice.matcher.tables import paraphrase_keys
from viva.practice.matcher.terms import VAGUE_WEIGHT, Term, point_terms, topical
from viva.practice.matcher.wrong import answer_wrong_claims, apply_wrong_claims

# An answer that contradicts the model answer needs this times the threshold elsewhere...
STRICT_FACTOR = 1.5
STRICT_SENTENCES = 4  # ... when it contradicts a point per this many sentences or more


def _extra_groups(synonyms: Mapping[str, Sequence[str]] | None) -> tuple[tuple[str, ...], ...]:
    if not synonyms:
        return ()
    return tuple(
        (term, alternatives) if isinstance(alternatives, str) else (term, *alternatives)
        for term, alternatives in sorted(synonyms.items())
    )


def _blocked(match: PointMatch) -> bool:
    """The answer says the point the other way round, or misses what it denies."""
    return bool(match.contradicted) or match.reason.startswith(DENIAL_REASON)


def _combined(
    plain: PointMatch, phrased: PointMatch, paraphrases: frozenset[tuple[str, ...]]
) -> PointMatch:
    """One point read with the shared tables alone and with the question's own synonyms too.

    A question's synonym for a phrase makes the phrase one term, found whole or not at all, so
    the words-only reading still counts: a point is covered when either reading covers it,
    unless either finds it contradicted or missing what it denies. The second reading covers
    a point the first does not only on a paraphrase the answer typed: its own terms weigh
    differently, not more truly.
    """
    typed = {content_keys_in_order(e) for e in phrased.evidence} & paraphrases
    if _blocked(plain):
        # What the point denies may be said in the question's own words ("the client keeps
        # working" for "without breaking clients"); a contradiction stands.
        denial_said = (
            not plain.contradicted
            and phrased.covered
            and any(
                label not in plain.matched and content_keys_in_order(words) in paraphrases
                for label, words in zip(phrased.matched, phrased.evidence, strict=False)
            )
        )
        return phrased if denial_said else plain
    if _blocked(phrased):
        return phrased
    if phrased.covered and not plain.covered:
        return phrased if typed else plain
    return plain if plain.covered and not phrased.covered else phrased


def match_key_points(
    answer_text: str,
    key_points: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    synonyms: Mapping[str, Sequence[str]] | None = None,
    wrong_claims: Mapping[str, Sequence[str]] | None = None,
) -> list[PointMatch]:
    """One :class:`PointMatch` per key point, in the order given.

    ``synonyms`` adds groups for this call only: ``{"pickle": ["marshal", "serialise"]}``. The
    answer is then read twice, with the shared tables alone and with these groups too, and a
    point is covered when either reading covers it and neither finds it contradicted.

    ``wrong_claims`` (wrong.py) maps a phrase of a point to phrases that state it wrongly; an
    answer that says one, not negated, contradicts the point. ``None`` (the default) takes the
    shipped model answer's with these key points, ``{}`` none.
    """
    if wrong_claims is None:
        wrong_claims = answer_wrong_claims(key_points)
    extra = _extra_groups(synonyms)
    phrased = _match_all(answer_text, key_points, threshold, extra)
    if extra:
        plain = _match_all(answer_text, key_points, threshold, ())
        paraphrases = paraphrase_keys(extra)
        phrased = [_combined(a, b, paraphrases) for a, b in zip(plain, phrased, strict=True)]
    return apply_wrong_claims(answer_text, phrased, wrong_claims) if wrong_claims else phrased


def _match_all(
    answer_text: str,
    key_points: Sequence[str],
    threshold: float,
    extra: tuple[tuple[str, ...], ...],
) -> list[PointMatch]:
    answer = index_answer(answer_text)
    raw = [point_terms(point, extra) for point in key_points]
    terms = topical(raw)
    subjects = find_subjects(key_points, raw)
    whose: list[
        tuple[Mapping[frozenset[tuple[str, ...]], frozenset[int]], Sequence[frozenset[int]]] | None
    ]
    whose = [None] * len(key_points)
    if subjects is not None:
        context = subject_context(answer, subjects)
        whose = [(owners, context) for owners in subjects.owners]
    first = [
        match_point(answer, point, own, threshold, whose=w)
        for point, own, w in zip(key_points, terms, whose, strict=True)
    ]
    # A sentence that contradicts one point is not taken as stating another: "the GIL is a lock
    # per thread, so they all run bytecode at the same time" credits nothing.
    tainted = frozenset().union(*(wrong for _, wrong in first))
    if not tainted:
        return [
            _claim_stated(answer, point, own, match, threshold, w)
            for point, own, (match, _), w in zip(key_points, terms, first, whose, strict=True)
        ]
    # ... and a short answer that contradicts the model answer is read strictly: its other
    # points need more of their terms. (A long text that contrasts what to do with what not
    # to do now and then is read as usual.)
    contradictions = sum(bool(match.contradicted) for match, _ in first)
    sentences = answer.sentences[-1] + 1 if answer.sentences else 0
    strict = threshold
    if contradictions * STRICT_SENTENCES >= sentences:
        strict = max(threshold, min(1.0, threshold * STRICT_FACTOR))
    second = [
        match_point(answer, point, own, strict, tainted, w)[0] if not match.contradicted else match
        for point, own, (match, _), w in zip(key_points, terms, first, whose, strict=True)
    ]
    return [
        replace(match, reason=STRICT_REASON)
        if not (match.covered or match.contradicted or match.reason) and match.score >= threshold
        else match
        for match in second
    ]


_CLAIM_END = re.compile(r";|,\s|\s[-–—]\s")


def _claim_of(point: str) -> str:
    """The claim before a point's details: the part before ";", else before the first ", " or
    " - " outside brackets ("Central secret manager, encrypted at rest with KMS keys");
    empty when the point has no details."""
    depth = 0
    for at, char in enumerate(point):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0 and _CLAIM_END.match(point, at):
            return point[:at] if ";" not in point or char == ";" else point.split(";", 1)[0]
    return ""


def _claim_stated(
    answer: IndexedAnswer,
    point: str,
    terms: Sequence[Term],
    match: PointMatch,
    threshold: float,
    whose: tuple[Mapping[frozenset[tuple[str, ...]], frozenset[int]], Sequence[frozenset[int]]]
    | None = None,
) -> PointMatch:
    """A point of a claim and its details ("Tolerant reader; consumers ignore unknown
    fields") is covered by its claim, the part before ";", stated whole: every telling term
    of it found, as a point of its own. Only in a short typed answer (a long text meets a
    short claim's words by chance) that contradicts no point."""
    claim = _claim_of(point)
    if match.covered or match.reason or match.contradicted or not claim or not answer.short:
        return match
    own = tuple(t for t in terms if t.label in claim)
    telling = {t.label for t in own if t.weight > VAGUE_WEIGHT}
    if not telling or len(own) == len(terms):
        return match
    stated, _ = match_point(answer, claim, own, threshold, whose=whose)
    if not stated.covered or not telling <= set(stated.matched):
        return match
    return replace(match, covered=True, score=max(match.score, stated.score))


def coverage(matches: Sequence[PointMatch]) -> float:
    """The share of key points covered; 0.0 when there are none."""
    if not matches:
        return 0.0
    return sum(m.covered for m in matches) / len(matches)

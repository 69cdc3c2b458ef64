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
- Synonyms: ``src/viva/content/synonyms.yaml`` holds groups such as
  {gil, global interpreter lock} or {k8s, kubernetes}. A table phrase found in a key point is
  one term whose variants are its whole group, so typed "global interpreter lock" covers a
  point saying "GIL" and typed "GIL" covers a point saying "global interpreter lock".
- Per-question synonyms: ``match_key_points(..., synonyms={"pickle": ["marshal"]})`` adds
  groups for one call, each key with its alternatives; the shipped answers carry them in their
  ``synonyms:`` front matter (:func:`answer_synonyms`). Key points carry
  no special syntax, so every page that shows them stays as it is.
- Typos and numbers: a typed word of 5 letters or more that no shipped answer uses matches a
  term one edit away ("databse", "seperate"); "three" is 3.
- Negation: "not", "never", "no", "without", "instead of" reach the rest of their clause (a
  clause ends at punctuation, "but", "so", "because"... or "and" before a new subject);
  "avoid", "prevent", "stop" reach the next two words; a negation followed only by filler
  reaches back two words ("locks are not needed"). Opposites count as negations ("immutable"
  states "mutable" negated; the table's ``opposites``). A term is found only
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

from viva.practice.matcher.score import DEFAULT_THRESHOLD, PointMatch, coverage, match_key_points
from viva.practice.matcher.tables import answer_synonyms
from viva.practice.matcher.words import NUMBER_WORDS, STOP_WORDS, VAGUE_WORDS

__all__ = [
    "DEFAULT_THRESHOLD",
    "NUMBER_WORDS",
    "STOP_WORDS",
    "VAGUE_WORDS",
    "PointMatch",
    "answer_synonyms",
    "coverage",
    "match_key_points",
]

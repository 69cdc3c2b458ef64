"""Where negations reach: "never need locks", "locks are not needed", "avoid X", "instead of Y"."""

from __future__ import annotations

import itertools

from viva.practice.matcher.words import VAGUE_KEYS, Stream, key_of

# Words that state the opposite of what follows them in their clause ("never need locks", "no
# need to measure"), or of their clause when only filler follows ("locks are not needed").
_NEGATORS = (
    "not no never without neither nor rarely seldom nothing nobody"
    " useless pointless unnecessary needless overkill obsolete irrelevant outdated waste"
)
# Judging adjectives: after "is" or "are" they judge their subject, not what follows them
# ("multi-stage builds are pointless for python" denies the builds, not python).
_JUDGING = "useless pointless unnecessary needless overkill obsolete irrelevant outdated"
_COPULAS = "is are was were be been being seem seems"
# Words that say a thing is gone: after "is" or "are" they deny their whole subject
# ("docker logs are deleted on restart")
# ("password and implicit grants are deprecated", "model_dump was removed in v2"); in the
# past tense before a thing, the next few words ("Helm 3 removed the in-cluster Tiller").
# Elsewhere they deny nothing: "it removes load from the database", "removing a field breaks
# clients"; nor does "dropped", which is also "released" ("C extensions drop the GIL").
_GONE = "removed deprecated gone deleted wiped erased destroyed"
# Saying a thing is to be avoided is saying not to do it: "prevents cascading failures", "stop
# calling it", "concatenation is the bug", "functions defeat the index". These reach only the
# next few words: "prevent stampedes with a lock" says nothing against the lock.
_SHORT_NEGATORS = (
    "avoid avoids prevent prevents stop stops defeat defeats bug bugs"
    " disallow disallows forbid forbids disable disables ignore ignores ignored"
    " replace replaces replacing"
    " lack lacks lacking"  # "JSON lacks dates": "no date type" says it, "has a date type" not
)
_SHORT_REACH = 2
# ... and end where the means begin: "prevent stampedes with a SET NX lock".
_MEANS = "with by using via through"
# Two-word negators: "lazy instead of returning lists" says lists are not returned.
# "regardless of resources", "irrespective of load": what follows does not decide the claim.
_NEGATOR_PAIRS = (
    ("instead", "of"),
    ("rather", "than"),
    ("bad", "idea"),
    ("regardless", "of"),
    ("irrespective", "of"),
)
# Words that start a new clause, ending the reach of a negation: "not X, but Y", "no X so Y".
_CLAUSE_BREAKS = "but so however whereas while although though because unless then otherwise yet"
# "and" or "or" before a new subject starts a clause too: "you do not query the db and it is
# faster" says nothing negative about speed.
_JOINS = "and or"
_SUBJECTS = "it its you they we i he she this that there then"
# Words that judge what comes before them: "the port does not matter", "a pool is not
# necessary" deny the port and the pool, as "locks are not needed" denies the locks.
_JUDGEMENTS = "matter matters necessary required important relevant useful worth helpful"
# A negation with only filler after it reaches back this many words: "locks are not needed".
_BACKWARD_REACH = 2

_NEGATOR_KEYS = frozenset(key_of(word) for word in _NEGATORS.split())
_SHORT_NEGATOR_KEYS = frozenset(key_of(word) for word in _SHORT_NEGATORS.split())
# "no" before a noun denies the noun, not where it is: "no functions on indexed columns",
# "no secrets in images".
_NO = key_of("no")
_PLACE_KEYS = frozenset(key_of(w) for w in ["on", "in", "at", "inside", "into", "across", "per"])
_PAIR_KEYS = frozenset((key_of(a), key_of(b)) for a, b in _NEGATOR_PAIRS)
# Negations of a manner or an alternative: "X without Y", "X instead of Y" claim X.
# "regardless of" in a key point says what does not decide its claim, which an answer may
# name plainly ("memory stays flat even for huge inputs"): only an answer's denies.
REGARDLESS_KEYS = frozenset(key_of(w) for w in ["regardless", "irrespective"])
_MANNER_KEYS = frozenset(key_of(w) for w in ["without", "instead", "rather"]) | REGARDLESS_KEYS
_CLAUSE_NOUN_KEYS = frozenset(key_of(w) for w in ["need", "point", "reason", "use", "way"])
_JUDGEMENT_KEYS = frozenset(key_of(word) for word in _JUDGEMENTS.split())
_JUDGING_KEYS = frozenset(key_of(word) for word in _JUDGING.split())
_COPULA_KEYS = frozenset(key_of(word) for word in _COPULAS.split())
_GONE_KEYS = frozenset(key_of(word) for word in _GONE.split())
# ... and their subject starts after a word that opens a clause of its own.
_SUBORDINATE_KEYS = frozenset(
    key_of(w) for w in ["after", "when", "before", "once", "if", "until", "since", "whenever"]
)
# "nothing" and "nobody" with only filler after them deny the one word before: "changes
# nothing" denies the change, not what changes.
_PRONOUN_KEYS = frozenset(key_of(word) for word in ["nothing", "nobody"])
_MEANS_KEYS = frozenset(key_of(word) for word in _MEANS.split())
_BREAK_KEYS = frozenset(key_of(word) for word in _CLAUSE_BREAKS.split())
_JOIN_KEYS = frozenset(key_of(word) for word in _JOINS.split())
_SUBJECT_KEYS = frozenset(key_of(word) for word in _SUBJECTS.split())


def clause_starts(stream: Stream) -> list[bool]:
    """For each part, whether a clause starts there."""
    keys, size = stream.keys, len(stream.keys)
    return [
        i > 0
        and (
            stream.pauses[i]
            or keys[i] in _BREAK_KEYS
            or (keys[i] in _JOIN_KEYS and i + 1 < size and keys[i + 1] in _SUBJECT_KEYS)
        )
        for i in range(size)
    ]


def is_negated(negations: frozenset[int], start: int, end: int) -> bool:
    """Whether an odd number of negations outside the phrase ``[start, end)`` reach it ("not
    without" is no negation; "no-gil" negates nothing)."""
    return len([n for n in negations if not start <= n < end]) % 2 == 1


def _is_negator(stream: Stream, i: int) -> bool:
    key, keys = stream.keys[i], stream.keys
    if not stream.wholes[i]:
        return False
    if key in _NEGATOR_KEYS or key in _SHORT_NEGATOR_KEYS:
        return True
    if key in _GONE_KEYS and (
        (i > 0 and keys[i - 1] in _COPULA_KEYS) or (stream.pasts and stream.pasts[i])
    ):
        return True
    return any(key == a and i + 1 < len(keys) and keys[i + 1] == b for a, b in _NEGATOR_PAIRS)


_REPLACING_KEYS = frozenset(key_of(w) for w in ["replace", "replaces", "replacing"])


def only_replacement(stream: Stream, negations: frozenset[int]) -> bool:
    """Whether every negation in ``negations`` is "replace": what a point replaces ("pre-ping
    replaces dead connections") is named plainly by an answer that says what is done with
    it ("pre_ping for dead connections")."""
    return bool(negations) and all(stream.keys[n] in _REPLACING_KEYS for n in negations)


def only_avoidance(stream: Stream, negations: frozenset[int]) -> bool:
    """Whether every negation in ``negations`` is a verb of avoidance ("avoid", "prevent",
    "ignore"): the point names what to keep away, which an answer names plainly when it says
    how ("selectinload fixes N+1 queries" for "avoid N+1 queries")."""
    return bool(negations) and all(stream.keys[n] in _SHORT_NEGATOR_KEYS for n in negations)


def negations_in_clause(stream: Stream) -> tuple[frozenset[int], ...]:
    """For each part, the negations anywhere in its clause that deny its claim: not "without"
    or "instead of", which deny only what follows them ("the server can change URLs without
    breaking clients" claims the change: "the server can not change urls" contradicts it)."""
    clause_of = list(itertools.accumulate(int(b) for b in clause_starts(stream)))
    in_clause: dict[int, set[int]] = {}
    for i in range(len(stream.keys)):
        if _is_negator(stream, i) and stream.keys[i] not in _MANNER_KEYS:
            in_clause.setdefault(clause_of[i], set()).add(i)
    return tuple(frozenset(in_clause.get(c, ())) for c in clause_of)


def negation_reach(stream: Stream) -> tuple[frozenset[int], ...]:
    """For each part, the positions of the negations that reach it.

    A negation ("not", "never", "without", "instead of", ...) reaches the rest of its clause;
    when only stop and vague words follow it ("locks are not needed") it reaches back to the
    start of the clause instead. A clause ends at punctuation or at "but", "so", "because"...
    """
    keys, size = stream.keys, len(stream.keys)
    breaks = clause_starts(stream)
    reach: list[set[int]] = [set() for _ in range(size)]
    for i, key in enumerate(keys):
        if not _is_negator(stream, i):
            continue
        gone = key in _GONE_KEYS and i > 0 and keys[i - 1] in _COPULA_KEYS
        short = key in _SHORT_NEGATOR_KEYS or (key in _GONE_KEYS and not gone)
        # "no" before a noun denies the noun ("no secrets in images"); "no need to", "no
        # point in" deny the whole clause ("no need to look at traces or recent deploys").
        determiner = key == _NO and not (i + 1 < size and keys[i + 1] in _CLAUSE_NOUN_KEYS)
        # A two-word negator reaches from after its second word: "jitter is a bad idea".
        first = i + 2 if (key, keys[i + 1] if i + 1 < size else "") in _PAIR_KEYS else i + 1
        end, content = first, 0
        while (
            end < size
            and not breaks[end]
            and not (
                short
                and (
                    content >= _SHORT_REACH
                    or keys[end] in _MEANS_KEYS
                    # "replaces the whole resource and patch changes fields": one thing each.
                    or (content and keys[end] in _JOIN_KEYS)
                )
            )
            and keys[end] not in _NEGATOR_KEYS  # the next negation starts its own reach
            and not (determiner and content and keys[end] in _PLACE_KEYS)
        ):
            if not (stream.stops[end] or keys[end] in VAGUE_KEYS):
                content += 1
            end += 1
        scope = list(range(first, end))
        # A condition after the judgement is no object of the negation: "timeouts are not
        # needed if you have retries", "encryption at rest is not needed once you have tls".
        condition = next((k for k in scope if keys[k] in _SUBORDINATE_KEYS), end)
        judged = scope[: condition - first]
        # "avoid", "stop" and the like take what follows them ("stop calling it"), never
        # what comes before.
        predicate = key in _JUDGING_KEYS and i > 0 and keys[i - 1] in _COPULA_KEYS
        if (
            predicate
            or gone
            or (
                not short
                # "list the origins from config instead of '*'": "instead of", "without"
                # deny what follows them only, never what comes before.
                and key not in _MANNER_KEYS
                and all(
                    stream.stops[k] or keys[k] in VAGUE_KEYS or keys[k] in _JUDGEMENT_KEYS
                    for k in judged
                )
                and (
                    condition == end
                    or any(keys[k] in VAGUE_KEYS or keys[k] in _JUDGEMENT_KEYS for k in judged)
                )
            )
        ):
            start, content = i, 0
            pronoun = key in _PRONOUN_KEYS
            back = 1 if pronoun else size if gone else _BACKWARD_REACH
            while (
                start > 0
                and not breaks[start]
                and content < back
                # "volumes keep data after the container is deleted": the container is gone;
                # "raises KeyError if it is not there": the condition is what is denied.
                and keys[start - 1] not in _SUBORDINATE_KEYS
            ):
                start -= 1
                if not (stream.stops[start] or (keys[start] in VAGUE_KEYS and not pronoun)):
                    content += 1
            while start > 0 and stream.firsts and not stream.firsts[start]:
                start -= 1  # the whole word: "multi-stage builds are pointless"
            scope = list(range(start, i))
        for k in scope:
            reach[k].add(i)
    return tuple(frozenset(r) for r in reach)


def denials(stream: Stream) -> frozenset[int]:
    """The negations that make a claim of their clause: "not", "never", "no" or "without"
    after words of substance ("the GIL does not make it thread-safe", "references an object
    without keeping it alive"), not a contrast at the start of one (", not statements")."""
    keys, starts = stream.keys, clause_starts(stream)
    found: set[int] = set()
    substance = False
    for i, key in enumerate(keys):
        if starts[i]:
            substance = False
        if key in _NEGATOR_KEYS and _is_negator(stream, i) and substance:
            found.add(i)
        if not (stream.stops[i] or key in VAGUE_KEYS):
            substance = True
    return frozenset(found)

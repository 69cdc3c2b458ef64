"""The key-point checker's eighth round of reading rules (issue 22, 2026-12-04): general rules
for answers that use a point's words and say something wrong with them. Every case here failed
with the checker before the rule it names.
"""

from __future__ import annotations

from viva.practice.matcher import match_key_points


def covered(typed: str, point: str) -> bool:
    (match,) = match_key_points(typed, [point], wrong_claims={})
    return match.covered


def test_a_judgement_denied_before_a_condition_reaches_back() -> None:
    point = "Encryption at rest with KMS; field-level encryption for the most sensitive fields"
    # "not needed once you have tls": the condition is no object of the negation, the
    # encryption at rest is what is judged needless.
    (wrong,) = match_key_points(
        "encryption at rest isnt really needed once you have tls, the disks are inside aws",
        [point],
        wrong_claims={},
    )
    assert not wrong.covered
    assert "Encryption at rest" in wrong.contradicted
    assert covered("encryption at rest with kms keys, and field level encryption for pii", point)
    timeout = "Every remote call has a timeout; never wait forever"
    assert not covered("timeouts arent needed if you have retries, just retry", timeout)
    # A negation with words of substance before the condition still reaches forward only.
    assert covered("every remote call gets a timeout, do not wait forever if it hangs", timeout)


def test_regardless_of_denies_what_follows_it_in_an_answer_only() -> None:
    point = "Scheduler places Pods on nodes by resource requests and constraints"
    typed = "pods go on whatever node you pick, the scheduler just does round robin"
    assert not covered(typed + " regardless of resources", point)
    assert covered(typed.replace("round robin", "it by resource requests"), point)
    # In a key point "regardless of" says what does not decide its claim: an answer may name
    # that thing plainly.
    generators = "Generators use constant memory regardless of input size"
    assert covered("a generator keeps memory constant, even for huge input sizes", generators)


def test_the_other_pole_of_a_plain_pair_in_a_clause_about_the_point() -> None:
    point = "Filter NULL salaries; PostgreSQL puts NULLs first with DESC"
    (wrong,) = match_key_points(
        "with desc postgres sorts the nulls last so you can leave them", [point], wrong_claims={}
    )
    assert not wrong.covered
    assert "last" in wrong.against
    assert covered("filter out null salaries, postgres puts nulls first with desc", point)
    header = "Header or media-type versioning keeps URIs stable but is less visible"
    assert not covered("header versioning keeps urls stable and is more visible", header)
    assert covered("header versioning keeps the urls stable but it is less visible", header)
    # A pole word inside a name is no pole: "Last-Event-ID" says nothing of "last".
    sse = "Heartbeats, reconnection and Last-Event-ID replay of missed events"
    assert covered(
        "heartbeats, and a client reconnects with Last-Event-ID and is first sent what it missed",
        sse,
    )


def test_only_for_something_the_point_does_not_name_denies_its_subject() -> None:
    point = "response_model or return annotation defines and filters the output"
    (wrong,) = match_key_points(
        "response_model is only for the docs page, fastapi still returns every attribute",
        [point],
        wrong_claims={},
    )
    assert not wrong.covered
    assert "response_model" in wrong.contradicted
    assert covered("the response_model filters the output and defines the schema", point)
    # What it is only for may be the point's own: "only for I/O-bound work".
    asyncio = "asyncio overlaps I/O on one thread; CPU work still blocks the event loop"
    assert covered(
        "asyncio is only for io bound work, cpu work still blocks the event loop", asyncio
    )
    # A point that says "only" itself is about the restriction.
    expose = "EXPOSE only documents the port; -p or ports actually publishes it"
    assert covered("EXPOSE is only for documentation of the port, -p actually publishes it", expose)


def test_a_short_denial_after_but_is_about_the_clause_before_it() -> None:
    point = "Rolling updates, rollbacks and autoscaling are built in"
    (wrong,) = match_key_points(
        "rolling updates are built in but autoscaling isnt, you need your own scripts",
        [point],
        wrong_claims={},
    )
    assert not wrong.covered
    assert "autoscaling" in wrong.contradicted
    assert covered("rolling updates, rollbacks and autoscaling are built in", point)
    # A contrast with words of its own is a claim of its own.
    assert covered(
        "rolling updates are built in, and autoscaling too, but manual scaling is not needed",
        point,
    )


def test_a_negation_in_a_condition_does_not_reach_back_past_it() -> None:
    point = "d[key] raises KeyError for a missing key"
    # "if its not there" denies that the key is there, not the KeyError.
    (typed,) = match_key_points(
        "d['name'] just blows up with KeyError if its not there", [point], wrong_claims={}
    )
    assert typed.covered and not typed.contradicted
    assert not covered("d['name'] does not raise a KeyError, it gives None", point)


def test_instead_of_never_reaches_back() -> None:
    point = "List explicit allow_origins in production, loaded from configuration"
    # The object of "instead of" is a symbol the reader drops: nothing follows it.
    assert covered('in prod list the exact allow_origins from config instead of "*"', point)


def test_a_quantifier_in_a_condition_is_no_claim_and_one_is_the_same() -> None:
    atomicity = "Atomicity means all statements commit or all roll back"
    assert covered(
        "atomicity means all of it commits, if one statement fails every statement is rolled back",
        atomicity,
    )
    assert not covered("atomicity means only one statement commits at a time", atomicity)
    pod = "All containers of a Pod run on the same node"
    assert covered("all the containers of a pod run on a single node", pod)
    assert not covered("only one container of a pod runs on the node, the others wait", pod)


def test_lacks_denies_what_it_lacks() -> None:
    point = "JSON lacks dates, decimals and comments; agree formats in the schema"
    # "no date type" says what JSON lacks: before, it contradicted "lacks dates".
    (typed,) = match_key_points(
        "downsides: no date type, no decimal, no comments, so agree formats in the schema",
        [point],
        wrong_claims={},
    )
    assert typed.covered and not typed.contradicted

"""The key-point checker's sixth round of reading rules (issue 22, 2026-12-04): each on a typed
answer that needs it. Every case here failed with the checker before the rule it names.
"""

from __future__ import annotations

from viva.practice.matcher import match_key_points


def test_a_manner_negation_does_not_shield_the_claim_from_a_negation() -> None:
    # "without" and "instead of" deny only what follows them: the point claims the change.
    point = "Server can change URLs and workflow without breaking clients"
    (wrong,) = match_key_points("the server can not change urls", [point])
    assert not wrong.covered
    assert "URL" in wrong.contradicted
    (never,) = match_key_points("with hateoas the server can never change a url", [point])
    assert not never.covered
    (right,) = match_key_points("the server can change urls without breaking clients", [point])
    assert right.covered


def test_a_denial_said_in_the_questions_own_words_covers_the_point() -> None:
    point = "Server can change URLs and workflow without breaking clients"
    typed = "so the server can change urls or the flow and the client keeps working"
    (plain,) = match_key_points(typed, [point])
    assert not plain.covered  # the words alone do not say what the point rules out
    synonyms = {"without breaking clients": ["client keeps working"]}
    (phrased,) = match_key_points(typed, [point], synonyms=synonyms)
    assert phrased.covered
    # A paraphrase of another term is not what the point denies.
    weakref = "weakref references an object without keeping it alive"
    wrong = "weak references make the object live forever"
    (stays,) = match_key_points(wrong, [weakref], synonyms={"weakref": ["weak references"]})
    assert not stays.covered


def test_few_is_contradicted_by_every() -> None:
    point = "Level 3 of the Richardson Maturity Model; few APIs use it fully"
    (wrong,) = match_key_points(
        "its part of the richardson model and every api out there uses it fully", [point]
    )
    assert not wrong.covered
    (right,) = match_key_points(
        "it is level 3 of the richardson maturity model and few apis use it fully", [point]
    )
    assert right.covered


def test_fresh_is_the_opposite_of_shared() -> None:
    point = "Mutable default arguments are shared across calls"
    (wrong,) = match_key_points(
        "mutable default arguments are created fresh for each of the calls", [point]
    )
    assert not wrong.covered
    assert match_key_points("a mutable default argument is shared across calls", [point])[0].covered


def test_what_a_point_replaces_is_named_plainly() -> None:
    points = [
        "New connections are costly; PostgreSQL forks a backend process per connection",
        "Pool lends connections and takes them back instead of closing",
        "pool_size plus max_overflow caps connections per process",
        "pool_timeout makes callers fail fast when the pool is exhausted",
        "pool_pre_ping and pool_recycle replace dead or stale connections",
    ]
    typed = "turn on pool_pre_ping so dead connections get noticed"
    assert match_key_points(typed, points)[4].covered
    # "avoid X" and "ignore X" keep their reading: naming X plainly is not stating the point.
    (ignore,) = match_key_points(
        "cors protects your api from curl and servers too", ["curl and servers ignore CORS"]
    )
    assert not ignore.covered

"""The key-point checker's fifth round of reading rules (issue 22, 2026-12-03): each on a typed
answer that needs it. Every case here failed with the checker before the rule it names.
"""

from __future__ import annotations

from viva.practice.matcher import match_key_points


def covered(typed: str, point: str) -> bool:
    (match,) = match_key_points(typed, [point])
    return match.covered


def test_a_negation_inside_a_phrase_breaks_the_phrase() -> None:
    point = "SELECT ... FOR UPDATE locks rows for read-modify-write"
    # "row lock" is a variant of "for update": "rows without locking" is not one.
    (wrong,) = match_key_points(
        "select for update just reads the rows without locking them", [point]
    )
    assert not wrong.covered
    assert "locks" in wrong.contradicted
    assert covered("select for update locks the rows you read so nobody changes them", point)

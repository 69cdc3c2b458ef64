"""The key-point checker's fifth round of reading rules (issue 22, 2026-12-03): each on a typed
answer that needs it. Every case here failed with the checker before the rule it names.
"""

from __future__ import annotations

from viva.practice.matcher import match_key_points
from viva.practice.matcher.answer import index_answer


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


def test_a_term_said_of_another_subject_is_not_the_points() -> None:
    points = [
        "GET is safe and idempotent, reads only, cacheable",
        "POST creates or processes, not idempotent, returns 201 with Location",
        "DELETE is idempotent even if the second call returns 404",
    ]
    typed = "POST is idempotent so you can retry it. GET can change data on the server"
    get, post, delete = match_key_points(typed, points)
    # "idempotent" is said of POST: it states nothing of GET, nor of DELETE.
    assert not get.covered and "idempotent" not in get.matched
    assert not delete.covered
    assert not post.covered
    # Two subjects that several points name: each point's words belong to the one before them.
    swapped = [
        "Memcached is multi-threaded; Redis executes commands on one main thread",
        "Redis persists with RDB and AOF; Memcached data is lost on restart",
    ]
    threads, persists = match_key_points(
        "memcached can persist to disk, redis is multithreaded and loses all data on restart",
        swapped,
    )
    assert "multi-threaded" not in threads.matched
    assert "persists" not in persists.matched
    # Said of its own subject, it counts, also in a clause that names none.
    (get,) = match_key_points("GET is safe, and it is idempotent too, you can cache it", points[:1])
    assert get.covered
    assert match_key_points(
        "memcached is multithreaded while redis runs commands on a single thread", swapped
    )[0].covered


def test_many_times_against_only_once_is_a_quantifier_clash() -> None:
    point = "A generator can be iterated only once"
    (wrong,) = match_key_points("you can iterate a generator as many times as you want", [point])
    assert not wrong.covered and "many" in wrong.against
    assert not covered("many threads iterate the same generator", "Only one thread iterates it")
    assert covered("you can only iterate a generator once, then it is exhausted", point)


def test_deleted_after_is_denies_its_subject() -> None:
    point = "docker logs, including the previous container's output, shows the last error"
    (wrong,) = match_key_points(
        "docker logs are deleted when the container restarts so there is no need to look", [point]
    )
    assert not wrong.covered and "logs" in wrong.contradicted
    volumes = "Named volumes are Docker-managed and survive container removal"
    (wrong,) = match_key_points("a named volume is deleted together with the container", [volumes])
    assert not wrong.covered and "Named volumes" in wrong.contradicted


def test_a_gone_word_after_when_or_after_denies_only_its_own_subject() -> None:
    point = "Container writable layer is ephemeral and slow for heavy writes"
    assert covered(
        "the containers writable layer goes away when the container is removed and its slow"
        " for lots of writes",
        point,
    )


def test_a_negation_that_states_the_next_term_of_the_point_states_the_point() -> None:
    point = "Named volumes are Docker-managed and survive container removal"
    assert covered(
        "named volumes are managed by docker and survive when the container is deleted", point
    )


def test_a_short_negation_ends_at_and_after_its_object() -> None:
    typed = index_answer("put replaces the whole resource and patch changes some fields")
    patch = typed.stream.keys.index("patch")
    assert not typed.negated(patch, patch + 1)
    # ... and still reaches its second word when "and" comes before any word of substance.
    typed = index_answer("avoid the cache")
    assert typed.negated(2, 3)


def test_safe_to_repeat_is_no_quantifier() -> None:
    (get,) = match_key_points(
        "get is for reading and is safe to repeat", ["GET is safe and idempotent, reads only"]
    )
    assert not get.contradicted


def test_a_term_found_only_as_a_vague_word_of_its_group_weighs_as_one() -> None:
    point = "app.add_middleware(CORSMiddleware, ...) configures CORS"
    (wrong,) = match_key_points("for cors you just set allow_origins to a star", [point])
    assert not wrong.covered
    # A name stays a name ("get" for GET), and a word the point says itself counts in full.
    assert covered("the server checks the signature", "Verify signature, check exp")
    assert covered("you configure cors with the middleware", point)


def test_a_claim_before_a_comma_or_dash_and_its_details_is_the_point() -> None:
    point = "Central secret manager, encrypted at rest with KMS keys"
    synonyms = {"Central secret manager": ["vault"]}
    (stated,) = match_key_points(
        "dont commit secrets to git, use a vault", [point], synonyms=synonyms
    )
    assert stated.covered
    # A comma inside brackets ends no claim, and a claim only named is not stated whole.
    assert not covered("use annotated", "Declare dependencies with Annotated[T, Depends(provider)]")
    assert not covered("encrypt them with kms", point)


def test_how_many_is_no_quantifier() -> None:
    point = "Failing liveness probes restart containers; HEALTHCHECK only marks unhealthy"
    (typed,) = match_key_points(
        "look at how many restarts the container had",
        [point],
    )
    assert not typed.contradicted


def test_plain_words_for_exceeding_a_limit() -> None:
    point = "Exceeding the limit returns 429 with a Retry-After header"
    assert covered("if a client goes over, it gets a 429 and is told when to retry", point)


def test_a_subject_after_and_or_a_line_break_starts_its_own_stretch() -> None:
    points = [
        "Memcached is multi-threaded; Redis executes commands on one main thread",
        "Redis persists with RDB and AOF; Memcached data is lost on restart",
        "Memcached stores opaque values; Redis offers hashes, lists, sets",
    ]
    _, persists, _ = match_key_points(
        "memcached is multithreaded and redis persists with rdb and aof", points
    )
    assert "persists" in persists.matched and persists.covered
    # Points typed one per line, with no punctuation, are each about their own subject.
    lines = match_key_points("\n".join(points[:2]), points[:2])
    assert all(m.covered for m in lines)

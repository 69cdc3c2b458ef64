"""The key-point checker's reading rules, each on a typed answer that needs it, and its tables.

Every case here failed with the checker before the rule it names (2026-12-01, issue 22).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from viva.practice.matcher import match_key_points
from viva.practice.matcher.tables import TABLES_FILE, parse_tables, tables


def covered(typed: str, point: str) -> bool:
    (match,) = match_key_points(typed, [point])
    return match.covered


# Negation and contradiction


def test_one_term_of_a_point_that_names_several_is_a_mention() -> None:
    point = "Default to a relational database unless a concrete need says otherwise"
    synonyms = {"relational database": ["sql database", "postgres"]}
    (mention,) = match_key_points(
        "sql databases cant do transactions, pick mongo", [point], synonyms=synonyms
    )
    assert not mention.covered and mention.score >= 0.45
    assert mention.feedback.startswith("mentioned relational database but not Default")
    (stated,) = match_key_points(
        "go with postgres by default unless there is a concrete need for something else",
        [point],
        synonyms=synonyms,
    )
    assert stated.covered
    # ... but a phrase of its own that says the point's one term is more than a mention.
    cascade = "Prevents cascading failures and resource exhaustion"
    assert match_key_points(
        "the point is to stop one failing service from taking down the others",
        [cascade],
        synonyms={"cascading failures": ["one failing service from taking down"]},
    )[0].covered


def test_a_quantifier_the_other_way_round_contradicts_the_point() -> None:
    point = "Only one thread runs Python bytecode at a time per interpreter"
    (wrong,) = match_key_points("every thread has its own so they all run bytecode", [point])
    assert not wrong.covered
    assert "all" in wrong.against
    assert covered("only one thread can run python bytecode at a time", point)


def test_a_point_that_denies_something_needs_the_denial() -> None:
    point = "weakref references an object without keeping it alive"
    (plain,) = match_key_points("weak references reference an object", [point])
    assert not plain.covered and plain.score >= 0.45
    assert plain.reason == "does not say what the point denies: alive"
    assert covered("a weakref points at an object without keeping it alive", point)
    gil = "The GIL does not make your code thread-safe; still use locks"
    assert not covered("the gil is a lock, you need locks", gil)


def test_no_before_a_noun_denies_the_noun_not_where_it_is() -> None:
    point = "No secrets in images; inject at runtime from a secret manager"
    (match,) = match_key_points(
        "never bake secrets into the image, inject them at runtime", [point]
    )
    assert match.covered, match
    assert not match.contradicted


def test_short_negations_end_where_the_means_begin() -> None:
    point = "Prevent stampedes with a SET NX lock"
    (match,) = match_key_points("use a lock with set nx so only one request rebuilds it", [point])
    assert not match.contradicted, match


def test_avoid_and_stop_reach_only_what_follows_them() -> None:
    point = "Opens after a failure threshold or failure rate"
    (match,) = match_key_points(
        "if calls keep failing past a threshold you stop calling it", [point]
    )
    assert not match.contradicted, match
    assert match.covered


def test_dismissive_words_negate_what_they_judge() -> None:
    point = "Trace requests across services with distributed tracing and metrics"
    assert not covered("metrics and distributed tracing are useless", point)
    (origin,) = match_key_points(
        "for the origin the port does not matter", ["An origin includes the port"]
    )
    assert not origin.covered
    assert "port" in origin.contradicted


@pytest.mark.parametrize(
    ("typed", "point"),
    [
        # "a waste of time", "a bad idea", "outdated" judge what comes before them.
        ("measuring the hit ratio and latency is a waste of time", "Measure hit ratio and latency"),
        ("random jitter on ttls is a bad idea", "Add random jitter to TTLs"),
        ("relational databases are outdated", "Default to a relational database"),
        # "ignores" takes what follows it, as "avoid" does.
        ("fastapi ignores the body models", "FastAPI turns body models into 422 errors"),
    ],
)
def test_dismissive_phrases_deny_what_they_judge(typed: str, point: str) -> None:
    assert not covered(typed, point)


def test_no_need_to_denies_the_whole_clause() -> None:
    # "no" before a noun stops at "at", "in", "on"; "no need to", "no point in" do not.
    (match,) = match_key_points(
        "theres no need to look at traces or recent deploys", ["Look at traces and recent deploys"]
    )
    assert not match.covered and {"traces", "deploys"} <= set(match.contradicted)


def test_one_against_each_is_a_quantifier_clash() -> None:
    point = "Build one immutable artifact and promote it through environments"
    (wrong,) = match_key_points("you build a new artifact for each environment", [point])
    assert not wrong.covered and "each" in wrong.against
    assert covered("build one artifact and promote it through the environments", point)


def test_opposite_words_of_frequency_and_of_holding_contradict() -> None:
    assert not covered(
        "ci means merging small changes into main rarely", "CI - merge small changes often"
    )
    point = "GIL is released during blocking I/O"
    assert not covered("the gil is held during blocking i/o", point)
    assert covered("the gil gets released while it waits on blocking i/o", point)


def test_a_clause_that_contradicts_one_point_credits_no_other() -> None:
    points = [
        "The GIL does not make your code thread-safe; still use locks",
        "Threads suit I/O-bound work and network calls",
    ]
    one_clause = "the gil makes threads thread-safe for io bound network calls"
    assert [m.covered for m in match_key_points(one_clause, points)] == [False, False]
    two_clauses = "the gil makes your code thread-safe so threads are great for io bound work"
    assert [m.covered for m in match_key_points(two_clauses, points)] == [False, True]


def test_words_that_state_one_term_do_not_contradict_another() -> None:
    point = "Run as non-root with a numeric UID and read-only root filesystem"
    (match,) = match_key_points("dont run as root, give it a numeric uid", [point])
    assert "root" not in match.contradicted, match
    assert match.covered


def test_a_negated_term_does_not_contradict_a_point_with_its_own_negation() -> None:
    point = "Identifiers and ORDER BY columns need an allow-list, not parameters"
    typed = "you cant bind order by columns as parameters, check them against a whitelist"
    (match,) = match_key_points(typed, [point])
    assert not match.contradicted, match


# Paraphrase and word forms


def test_a_point_told_in_a_paraphrase_of_the_table_is_covered() -> None:
    point = "Lowers latency and offloads the database or upstream services"
    (match,) = match_key_points("so you dont query the db each time", [point])
    assert match.covered, match
    assert "offloads the database" in match.matched


def test_other_forms_of_a_word_match_where_stems_differ() -> None:
    (match,) = match_key_points("keep main deployable", ["Every change is deployed"])
    assert "deployed" in match.matched
    (serial,) = match_key_points("make the payload serializable", ["Serialize the payload"])
    assert "Serialize" in serial.matched
    (short,) = match_key_points("a state", ["statement"])
    assert not short.matched  # five letters or fewer never match by their start


def test_a_short_answer_is_read_strictly_once_it_contradicts_a_point() -> None:
    points = [
        "The GIL does not make your code thread-safe; still use locks",
        "Processes sidestep the GIL for CPU-bound parallelism on many cores",
    ]
    fair = "processes for cpu bound work"
    first, second = match_key_points(fair, points)
    assert second.covered and second.score < 0.675
    first, second = match_key_points("the gil makes your code thread-safe. " + fair, points)
    assert first.contradicted and not first.covered
    assert not second.covered and second.score == pytest.approx(0.6)
    assert second.reason.startswith("read strictly")


# The tables


def test_the_shipped_tables_load() -> None:
    loaded = tables()
    assert ("gil", "global interpreter lock") in loaded.groups
    assert (("mutable",), ("immutable",)) in loaded.opposites
    assert TABLES_FILE.name == "synonyms.yaml"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([["a", "b"]], "expected a mapping"),
        ({"groups": [["gil", 1]]}, "group 1: every entry must be a non-empty string"),
        ({"groups": [[]]}, "group 1: expected a non-empty list"),
        ({"groups": "gil"}, "must be lists"),
        ({"opposites": [[["fast"]]]}, "opposite pair 1: expected two lists"),
        ({"synonyms": []}, "expected a mapping with 'groups' and 'opposites'"),
    ],
)
def test_a_malformed_table_is_refused_with_where_it_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_tables(data, where="synonyms.yaml")


def test_the_tables_file_parses_as_the_checker_reads_it(tmp_path: Path) -> None:
    text = TABLES_FILE.read_text(encoding="utf-8")
    parsed = parse_tables(yaml.safe_load(text))
    assert parsed == tables()
    assert all(isinstance(e, str) for group in parsed.groups for e in group)  # "429" quoted


# Third round (2026-12-02): contrasts, the wrong order, another status code, "non-", "ignore"


def test_a_contrast_after_a_comma_belongs_to_the_clause_before_it() -> None:
    point = "A Pydantic-model parameter is read from the JSON body"
    (wrong,) = match_key_points(
        "fastapi reads pydantic model params from the query string, not the body", [point]
    )
    assert not wrong.covered and wrong.contradicted, wrong
    assert covered("fastapi reads the pydantic model param from the json body", point)


def test_nothing_and_nobody_negate() -> None:
    point = "URI path /v1, /v2 is most common; header or media type alternatives"
    (wrong,) = match_key_points("nobody puts /v1 or /v2 in the uri path", [point])
    assert not wrong.covered and wrong.contradicted, wrong
    (other,) = match_key_points("bool has nothing to do with int", ["bool is a subclass of int"])
    assert other.contradicted == ("int",), other
    assert covered("the uri path like /v1 and /v2 is the most common, or a header", point)


def test_a_judging_word_after_is_judges_its_subject() -> None:
    point = "Multi-stage build keeps build tools out of the runtime image"
    (wrong,) = match_key_points("multi-stage builds are pointless for python", [point])
    assert not wrong.covered and wrong.contradicted, wrong
    assert covered("use a multi stage build so build tools stay out of the runtime image", point)


def test_the_wrong_order_contradicts_a_point_that_orders() -> None:
    point = "Copy dependency files and install before copying source, for layer caching"
    (wrong,) = match_key_points(
        "copy the whole source first and then install the dependencies, for layer caching",
        [point],
    )
    assert not wrong.covered and wrong.contradicted, wrong
    assert covered(
        "copy the dependency files and install them before copying the source, so the layer"
        " caching works",
        point,
    )


def test_another_status_code_contradicts_the_point() -> None:
    point = "Invalid bodies get 422 with loc, msg and type per error"
    (wrong,) = match_key_points("invalid bodies just get a 500 error with a msg", [point])
    assert not wrong.covered and wrong.against == ("500",), wrong
    assert covered("invalid bodies get a 422 with loc, msg and type for each error", point)


def test_a_quoted_value_is_no_negation() -> None:
    point = 'extra="forbid" rejects unknown keys'
    (match,) = match_key_points("set extra='forbid' so unknown keys get rejected", [point])
    assert match.covered and not match.contradicted, match


def test_non_x_is_not_x() -> None:
    point = "Run as a non-root USER"
    assert covered("dont run the app as root, switch to a USER", point)
    assert not covered("just run the app as root, USER lines are not needed", point)


def test_a_point_that_ignores_x_is_not_contradicted_by_naming_x() -> None:
    point = "Browser-enforced only; curl and servers ignore CORS"
    (match,) = match_key_points(
        "cors is browser-enforced only, so curl and servers just call you anyway", [point]
    )
    assert match.covered and not match.contradicted, match


def test_replace_x_with_y_says_not_x() -> None:
    point = "Keyset pagination instead of large OFFSET"
    (match,) = match_key_points("replace big offset pagination with keyset pagination", [point])
    assert match.covered and not match.contradicted, match


def test_removed_after_is_or_was_denies_its_subject() -> None:
    point = "v2 API: model_validate, model_dump, model_dump_json, model_json_schema"
    (gone,) = match_key_points("in v2 model_dump and model_validate were removed", [point])
    assert not gone.covered and gone.contradicted, gone
    assert covered("v2 has model_validate and model_dump, the v1 names were removed", point)
    breaking = "Breaking changes: removing or renaming a field, changing its type"
    assert covered("removing a field or renaming it breaks clients", breaking)
    # ... and before a word, the next few words: the point's "was removed" retold.
    assert covered(
        "helm 3 removed the in-cluster tiller", "Helm 3+ is client-only; Tiller was removed"
    )
    grants = "Password and implicit grants are deprecated"
    assert covered("the implicit and the resource owner password grants are deprecated", grants)


def test_drop_and_removes_are_no_denial() -> None:
    gil = "GIL is released during blocking I/O and in many C extensions"
    assert covered("c extensions like numpy drop the gil, and it is released during io", gil)
    offload = "Lowers latency and offloads the database"
    (match,) = match_key_points("it removes load from the database and lowers latency", [offload])
    assert not match.contradicted, match


# Paraphrase and gist


def test_a_claim_before_its_details_is_the_point() -> None:
    point = "Tolerant reader; consumers ignore unknown fields"
    breaking = "Renaming or removing a field is a breaking change"
    (stated, _) = match_key_points("clients should be tolerant readers", [point, breaking])
    assert stated.covered and stated.score >= 0.45, stated
    # ... stated whole: a term of the claim alone is not it,
    analyze = "Run ANALYZE when statistics are stale; verify the new plan"
    assert not covered("run explain analyze on the query", analyze)
    # ... and not in an answer that contradicts the model answer elsewhere.
    (wrong, contradicted) = match_key_points(
        "clients should be tolerant readers. renaming a field is never a breaking change",
        [point, breaking],
    )
    assert contradicted.contradicted and not wrong.covered

"""The judge never raises on what a candidate's program wrote, and forged records fail.

Every record on the result channel is candidate-forgeable: the program can write any line
to the result fd. A malformed or forged record is a Runtime Error ("output protocol
violated"), never an exception, and never a better verdict than the program earned.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from viva.grading import challenges as ch
from viva.grading.challenges import Challenge, ChallengeMeta, load_challenges
from viva.grading.judge.outcome import Grade, RunOutcome, RunStatus, Verdict, build_job
from viva.grading.judge.records import PROTOCOL_VIOLATED, parse_records
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.pool import SandboxRunner

CHALLENGES = load_challenges()
PALINDROME = CHALLENGES["palindrome"]
# one of each test kind: call + property, script, http
KINDS = [CHALLENGES[s] for s in ("palindrome", "token-bucket", "fastapi-json-route")]


def honest(challenge: Challenge) -> list[dict[str, Any]]:
    """The records the harness writes for the reference solution's answers on call tests."""
    return [
        {"test": i, "steps": [{"value": t.expected}], "ms": 0.1, "output": ""}
        for i, t in enumerate(challenge.tests)
    ] + [{"done": True}]


def verdict_of(challenge: Challenge, records: list[dict[str, Any]]) -> Grade:
    return grade(challenge, challenge.tests, RunOutcome(RunStatus.EXITED, records))


FORGED = {
    "ms is text": [{"test": 0, "ms": "x"}],
    "steps is a number": [{"test": 0, "steps": 5}],
    "output is an object": [{"test": 0, "steps": [{"value": True}], "output": {"a": 1}}],
    "error is a list": [{"test": 0, "error": ["x"]}],
    "a step is a string": [{"test": 0, "steps": ["value"]}],
    "a NaN value": [{"test": 0, "steps": [{"value": float("nan")}]}],
    "an infinite value": [{"test": 0, "steps": [{"value": float("inf")}]}],
    "nested junk": [{"test": 0, "steps": [{"value": [[[[[[[]]]]]]], "headers": [1]}]}],
    "a test that does not exist": [{"test": 99, "steps": [{"value": True}]}],
    "a negative test": [{"test": -1, "steps": [{"value": True}]}],
    "a test index that is a bool": [{"test": True, "steps": [{"value": True}]}],
    "a test index that is text": [{"test": "0", "steps": [{"value": True}]}],
    "a duplicate record": [{"test": 0, "steps": [{"value": True}]}],
    "too many steps": [{"test": 0, "steps": [{"value": True}] * 2}],
    "a status that is text": [{"test": 0, "steps": [{"value": True, "status": "200"}]}],
    "a record of two kinds": [{"test": 0, "done": True, "steps": []}],
    "a forged syntax error": [{"syntax_error": "line 1: nope"}],
    "a syntax error that is a number": [{"syntax_error": 1}],
}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_a_forged_record_is_a_runtime_error(
    forged: list[dict[str, Any]],
) -> None:
    records = honest(PALINDROME)
    records[1:1] = forged  # after the harness's record of test 0 (the last record used to win)
    result = verdict_of(PALINDROME, records)
    assert result.verdict == Verdict.RUNTIME_ERROR
    assert result.message.startswith(PROTOCOL_VIOLATED)
    assert result.score == 0.0 and len(result.tests) == len(PALINDROME.tests)


def test_an_early_done_record_is_a_runtime_error() -> None:
    records = honest(PALINDROME)
    result = verdict_of(PALINDROME, [records[0], {"done": True}, *records[1:]])
    assert result.verdict == Verdict.RUNTIME_ERROR and PROTOCOL_VIOLATED in result.message


def test_records_out_of_order_are_a_runtime_error() -> None:
    records = honest(PALINDROME)
    result = verdict_of(PALINDROME, [records[1], records[0], *records[2:]])
    assert result.verdict == Verdict.RUNTIME_ERROR and PROTOCOL_VIOLATED in result.message


def test_records_the_harness_never_writes_are_ignored() -> None:
    result = verdict_of(PALINDROME, [{}, {"hello": 1}, {"ms": "x"}, *honest(PALINDROME)])
    assert result.verdict == Verdict.ACCEPTED


def test_a_huge_integer_against_a_float_is_a_wrong_answer() -> None:
    challenge = Challenge(
        slug="halves",
        meta=ChallengeMeta(title="Halves", kind="function"),
        prompt="",
        starter="",
        solution="",
        tests=[ch.TestCase(name="half", kind="call", call="half", args=[3], expected=1.5)],
    )
    records = [{"test": 0, "steps": [{"value": 10**4000}]}, {"done": True}]
    result = verdict_of(challenge, records)
    assert result.verdict == Verdict.WRONG_ANSWER


def test_nesting_deeper_than_json_allows_is_ignored_on_the_channel() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    assert parse_records(deep + '\n{"done": true}\n') == [{"done": True}]


def test_a_memory_error_on_stderr_is_not_a_memory_limit() -> None:
    records = [
        {"test": i, "steps": [{"value": not t.expected}], "ms": 0.1, "output": ""}
        for i, t in enumerate(PALINDROME.tests)
    ] + [{"done": True}]
    outcome = RunOutcome(RunStatus.EXITED, records, stderr="MemoryError\n")
    assert grade(PALINDROME, PALINDROME.tests, outcome).verdict == Verdict.WRONG_ANSWER


def test_per_test_times_come_from_the_supervisor_not_the_record() -> None:
    records = [{**r, "ms": 0.0} if "test" in r else r for r in honest(PALINDROME)]
    outcome = RunOutcome(RunStatus.EXITED, records, test_ms={0: 12.5})
    result = grade(PALINDROME, PALINDROME.tests, outcome)
    assert [t.ms for t in result.tests[:2]] == [12.5, 0.0]


# Random records: grade() always returns a Grade ------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**1000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["test", "done", "syntax_error", "text", "steps", "error", "kind", "output", "ms", "value"]
)
STEP = st.dictionaries(
    st.sampled_from(["value", "raised", "error", "kind", "status", "json", "headers"]), JSON
)
RECORD = st.one_of(
    st.dictionaries(KEYS, JSON, max_size=6),
    st.fixed_dictionaries(
        {"test": st.integers(min_value=-2, max_value=20)},
        optional={
            "steps": st.lists(STEP | JSON, max_size=5) | JSON,
            "error": JSON,
            "kind": st.sampled_from(["memory", "runtime"]) | JSON,
            "output": JSON,
            "ms": JSON,
        },
    ),
    st.just({"done": True}),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    challenge=st.sampled_from(KINDS),
    forged=st.lists(RECORD, max_size=8),
    keep=st.integers(min_value=0, max_value=20),
    where=st.integers(min_value=0, max_value=20),
    status=st.sampled_from(list(RunStatus)),
)
def test_grade_returns_a_grade_for_any_records(
    challenge: Challenge,
    forged: list[dict[str, Any]],
    keep: int,
    where: int,
    status: RunStatus,
) -> None:
    records = honest(challenge)[:keep]
    records[where:where] = forged
    result = grade(challenge, challenge.tests, RunOutcome(status, records))
    assert isinstance(result, Grade)
    assert (result.verdict == Verdict.INTERNAL_ERROR) == (status == RunStatus.INTERNAL)
    assert 0.0 <= result.score <= 1.0
    json.dumps([t.public() for t in result.tests])  # storable as the submission's tests


@settings(max_examples=200, deadline=None, database=None)
@given(raw=st.text(alphabet='{}[]":,0123456789.eE-+ tesnulfaNIy\n\\', max_size=200))
def test_grade_returns_a_grade_for_any_bytes_on_the_channel(raw: str) -> None:
    result = grade(PALINDROME, PALINDROME.tests, RunOutcome(RunStatus.EXITED, parse_records(raw)))
    assert isinstance(result, Grade) and result.verdict != Verdict.INTERNAL_ERROR


# The same through the real sandbox: the program itself writes to the result fd -----------

FORGER = """
import os

def forge(line):
    for fd in os.listdir("/proc/self/fd"):
        if int(fd) > 2:
            try:
                os.write(int(fd), (line + "\\n").encode())
            except OSError:
                pass

def is_palindrome(text):
    forge({line!r})
    kept = [c for c in text.casefold() if c.isalnum()]
    return kept == kept[::-1]
"""


@pytest.mark.parametrize(
    "line",
    [
        '{"test": 0, "ms": "x", "steps": 5}',
        '{"test": 0, "steps": [{"value": true}], "output": {"a": [1]}}',
        '{"test": 1, "steps": [{"value": NaN}]}',
        '{"test": 7, "steps": [{"value": true}]}',
        '{"done": true}',
        '{"test": 0, "steps": [{"value": ' + "9" * 4000 + "}]}",
    ],
)
def test_a_program_forging_records_in_the_sandbox_gets_a_runtime_error(
    sandbox: SandboxRunner, line: str
) -> None:
    source = FORGER.format(line=line)
    tests = PALINDROME.visible
    outcome = sandbox.run(build_job(PALINDROME, source, tests), PALINDROME.meta.limits)
    assert outcome.status == RunStatus.EXITED, outcome
    result = grade(PALINDROME, tests, outcome)
    assert result.verdict == Verdict.RUNTIME_ERROR, result
    assert PROTOCOL_VIOLATED in result.message


def test_the_forger_is_accepted_when_it_forges_nothing(sandbox: SandboxRunner) -> None:
    source = FORGER.format(line="").replace("    forge('')\n", "")
    tests = PALINDROME.visible
    outcome = sandbox.run(build_job(PALINDROME, source, tests), PALINDROME.meta.limits)
    assert grade(PALINDROME, tests, outcome).verdict == Verdict.ACCEPTED

"""The judge decides verdicts from plain data, outside the sandbox."""

from __future__ import annotations

from viva.grading.challenges import Challenge
from viva.grading.judge.compare import same
from viva.grading.judge.outcome import RunOutcome, RunStatus, Verdict
from viva.grading.judge.records import parse_records
from viva.grading.judge.verdict import grade


def test_values_compare_as_plain_data() -> None:
    assert same([1, 2.0000001], [1, 2.0], 1e-6)
    assert not same(True, 1, 1e-6) and not same(1, True, 1e-6)
    assert not same({"$unsupported": "Yes"}, True, 0) and not same(True, {"$unsupported": "Yes"}, 0)
    assert same({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, 0)
    assert not same({"a": 1}, {"a": 1, "b": 2}, 0)


def test_garbage_on_the_result_channel_is_ignored() -> None:
    assert parse_records('not json\n[1, 2]\n{"test": 0}\n') == [{"test": 0}]


def test_hidden_tests_reveal_only_name_and_outcome(palindrome: Challenge) -> None:
    records = [
        {"test": i, "steps": [{"value": False}], "output": "secret input"}
        for i in range(len(palindrome.tests))
    ]
    result = grade(palindrome, palindrome.tests, RunOutcome(RunStatus.EXITED, records))
    assert result.verdict == Verdict.WRONG_ANSWER
    hidden = [t.public() for t in result.tests if t.hidden]
    assert hidden and all(set(h) == {"name", "hidden", "passed", "status", "ms"} for h in hidden)


def test_a_limit_decides_the_verdict_even_after_passing_tests(palindrome: Challenge) -> None:
    outcome = RunOutcome(RunStatus.OUTPUT, [], detail="the program printed more than 64 KB")
    assert grade(palindrome, palindrome.tests, outcome).verdict == Verdict.OUTPUT_LIMIT


def test_score_is_passed_weight_over_total_weight(palindrome: Challenge) -> None:
    expected = [t.expected for t in palindrome.tests]
    records = [{"test": i, "steps": [{"value": v}]} for i, v in enumerate(expected)]
    records[0]["steps"] = [{"value": not expected[0]}]
    result = grade(palindrome, palindrome.tests, RunOutcome(RunStatus.EXITED, records))
    assert result.score == round((len(expected) - 1) / len(expected), 4)


def test_a_submit_tells_only_whether_every_hidden_test_passed(palindrome: Challenge) -> None:
    """Which hidden test failed is a bit per test a program could choose to carry out, and
    the names say what is checked: every hidden test shows the same one bit, unnamed."""
    expected = [t.expected for t in palindrome.tests]
    records = [{"test": i, "steps": [{"value": v}]} for i, v in enumerate(expected)]
    first_hidden = next(i for i, t in enumerate(palindrome.tests) if t.hidden)
    records[first_hidden]["steps"] = [{"value": not expected[first_hidden]}]
    result = grade(palindrome, palindrome.tests, RunOutcome(RunStatus.EXITED, records))
    assert result.verdict == Verdict.WRONG_ANSWER
    assert result.message == "a hidden test: wrong answer"
    hidden = [t.public() for t in result.tests if t.hidden]
    assert len(hidden) > 1
    assert all(h["passed"] is False and h["status"] == "failed" for h in hidden)
    assert {h["name"] for h in hidden} == {"hidden test"}
    assert not any(t.name in result.message for t in palindrome.tests if t.hidden)
    # the judge keeps each test's own outcome, but the count and the score the candidate is
    # told take the hidden tests all or none (a count would be more than one bit: a program
    # could choose how many of them to fail)
    assert [t.passed for t in result.tests if t.hidden].count(False) == 1
    assert result.passed == sum(not t.hidden for t in palindrome.tests)
    visible = sum(t.weight for t in palindrome.tests if not t.hidden)
    assert result.score == round(visible / sum(t.weight for t in palindrome.tests), 4)
    all_right = [{"test": i, "steps": [{"value": v}]} for i, v in enumerate(expected)]
    accepted = grade(palindrome, palindrome.tests, RunOutcome(RunStatus.EXITED, all_right))
    assert all(t.public()["passed"] for t in accepted.tests)

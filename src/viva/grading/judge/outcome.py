"""What a graded run produced and what the candidate is told: the supervisor's view of how a
run ended, each test's result (and its public form), the verdict and the score."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from viva.grading.challenges import Challenge, TestCase


class Verdict(StrEnum):
    ACCEPTED = "Accepted"
    WRONG_ANSWER = "Wrong Answer"
    TIME_LIMIT = "Time Limit Exceeded"
    MEMORY_LIMIT = "Memory Limit Exceeded"
    RUNTIME_ERROR = "Runtime Error"
    SYNTAX_ERROR = "Syntax Error"
    OUTPUT_LIMIT = "Output Limit Exceeded"
    INTERNAL_ERROR = "Internal Error"


class RunStatus(StrEnum):
    """How the sandboxed process ended, as seen by its supervisor."""

    EXITED = "exited"
    TIMEOUT = "timeout"
    CPU_LIMIT = "cpu-limit"
    MEMORY = "memory"
    OUTPUT = "output"
    KILLED = "killed"
    INTERNAL = "internal"


@dataclass
class RunOutcome:
    status: RunStatus
    records: list[dict[str, Any]]
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    wall_ms: float = 0.0
    detail: str = ""
    # per-test milliseconds measured by the supervisor, outside the candidate's process
    test_ms: dict[int, float] = field(default_factory=dict)


@dataclass
class TestResult:
    name: str
    hidden: bool
    weight: float
    passed: bool
    status: str  # passed | wrong | error | memory | missing
    expected: Any = None
    got: Any = None
    message: str = ""
    output: str = ""
    ms: float = 0.0
    # Ran in the same process as hidden tests (a Python Submit): the candidate's code could
    # read the hidden inputs there and carry them out in anything it produced for this test.
    beside_hidden: bool = False
    # For a hidden test: whether every hidden test of the grading passed. The candidate sees
    # that one bit for all of them, not which hidden test failed (each would be a bit a
    # program can choose to carry out, and their names say what is checked).
    hidden_passed: bool | None = None

    @property
    def told(self) -> bool:
        """The outcome the candidate is told: for a hidden test (once `tell_one_bit` ran),
        whether every hidden test passed."""
        if self.hidden and self.hidden_passed is not None:
            return self.hidden_passed
        return self.passed

    def public(self) -> dict[str, Any]:
        """What the candidate may see: hidden tests reveal only whether all of them passed
        (not their names, their own outcome nor their time, which a run can modulate to
        carry data out); a test that ran beside hidden ones shows nothing the candidate's
        code produced (Run shows the details)."""
        one_bit = self.hidden and self.hidden_passed is not None  # graded by grade() below
        passed = self.told
        data: dict[str, Any] = {
            "name": "hidden test" if one_bit else self.name,
            "hidden": self.hidden,
            "passed": passed,
            "status": ("passed" if passed else "failed") if one_bit else self.status,
            "ms": 0.0 if self.hidden or self.beside_hidden else self.ms,
        }
        if not self.hidden and self.beside_hidden:
            data.update(expected=self.expected, got=None, message="", output="")
        elif not self.hidden:
            data.update(
                expected=self.expected, got=self.got, message=self.message, output=self.output
            )
        cleaned: dict[str, Any] = storable(data)
        return cleaned


def storable(value: Any) -> Any:
    """Candidate text made safe to store and send: no NUL, no lone surrogate (neither can be
    encoded for SQLite, PostgreSQL or a UTF-8 response)."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def tell_one_bit(results: list[TestResult]) -> None:
    """Hidden tests tell the candidate one bit for all of them: whether every one passed."""
    if any(r.hidden for r in results):
        every_hidden = all(r.passed for r in results if r.hidden)
        for result in results:
            if result.hidden:
                result.hidden_passed = every_hidden


def told_score(results: list[TestResult]) -> float:
    """Passed weight over total weight, hidden tests counted as they are told (all passed or
    none): a count of the hidden tests that passed would be more bits than the one a
    program could carry out per submission (it chooses how many later tests to fail)."""
    total = sum(t.weight for t in results) or 1.0
    return round(sum(t.weight for t in results if t.told) / total, 4)


@dataclass
class Grade:
    verdict: Verdict
    score: float  # told_score: hidden tests all or none
    tests: list[TestResult] = field(default_factory=list)
    message: str = ""

    @property
    def passed(self) -> int:
        """Tests passed as the candidate is told (hidden ones all or none)."""
        return sum(t.told for t in self.tests)


def build_job(challenge: Challenge, source: str, tests: list[TestCase]) -> dict[str, Any]:
    """What the sandbox receives. Tests run apart (`process: separate`) of a function or
    class challenge share one solution process (each loads the solution afresh); those of a
    `fastapi` challenge measure the process itself (its memory), so each gets its own."""
    job: dict[str, Any] = {"source": source, "tests": [t.job(i) for i, t in enumerate(tests)]}
    if challenge.meta.kind in ("function", "class"):
        job["solution_process"] = "shared"
    return job

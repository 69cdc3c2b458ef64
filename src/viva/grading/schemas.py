"""API shapes of challenges, runs and submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from viva.grading.challenges import SLUG_PATTERN


class ChallengeSummary(BaseModel):
    slug: str
    title: str
    seed_question: int | None
    kind: Literal["function", "class", "fastapi", "sql", "tests"]
    difficulty: Literal["easy", "medium", "hard"]
    tags: list[str]


class Example(BaseModel):
    name: str
    input: str = Field(description="what the test does, as code")
    expected: Any


class ChallengeDetail(ChallengeSummary):
    prompt: str = Field(description="Markdown")
    starter: str
    examples: list[Example]
    hidden_tests: int
    limits: dict[str, float]
    dialects: list[str] = Field(default=[], description="SQL challenges: engines it is graded on")
    schema_sql: str = Field(default="", description="SQL challenges: the tables")
    sample_rows: dict[str, dict[str, Any]] = Field(default={}, description="SQL: example data")
    module_name: str = Field(default="", description="test-writing challenges: import name")
    module_source: str = Field(default="", description="test-writing: the module under test")
    threshold: float | None = Field(default=None, description="tests: share of mutants to kill")


class SourceIn(BaseModel):
    source: str = Field(
        min_length=1,
        max_length=64 * 1024,
        description="solution.py, the SQL of a SQL challenge, or a test-writing challenge's tests",
    )
    dialect: Literal["sqlite", "postgres"] | None = Field(
        default=None, description="SQL challenges: the engine (default: the first it offers)"
    )


class TestOut(BaseModel):
    name: str
    hidden: bool
    passed: bool
    status: str
    ms: float
    expected: Any = None
    got: Any = None
    message: str = ""
    output: str = ""


class GradeOut(BaseModel):
    verdict: str
    score: float
    passed: int
    total: int
    message: str
    tests: list[TestOut]


class SubmissionOut(BaseModel):
    id: int
    challenge: str
    dialect: str | None = None
    status: Literal["queued", "running", "done"]
    verdict: str | None
    score: float | None
    passed: int | None
    total: int | None
    message: str
    tests: list[TestOut]
    created_at: datetime
    finished_at: datetime | None


class SubmissionSummary(BaseModel):
    """One of the caller's own submissions to a challenge, with its code (the Submissions tab)."""

    id: int
    dialect: str | None = None
    status: Literal["queued", "running", "done"]
    verdict: str | None
    score: float | None
    passed: int | None
    total: int | None
    message: str
    source: str
    created_at: datetime


class MutantIn(BaseModel):
    """One hidden mutant of a `tests` challenge's module: the report names it by description."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    description: str = Field(min_length=5, max_length=200, description="the bug, not the code")
    source: str = Field(min_length=1, max_length=64 * 1024, description="never shown")


class ChallengeIn(BaseModel):
    """A Python challenge: prompt, starter, reference solution and tests (the YAML format of
    the shipped challenges, as JSON; see docs/challenge-format.md). A `tests` challenge
    (the candidate writes pytest tests) has no `tests`: its reference `solution` is a test
    file, graded against `module_source`, its hidden `variants` and `mutants`."""

    slug: str = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=3, max_length=120)
    kind: Literal["function", "class", "fastapi", "tests"] = "function"
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = Field(default=[], max_length=10)
    limits: dict[str, float] = Field(default={}, description="cpu_seconds, wall_seconds...")
    prompt: str = Field(min_length=1, max_length=20_000, description="Markdown")
    starter: str = Field(min_length=1, max_length=64 * 1024)
    solution: str = Field(min_length=1, max_length=64 * 1024, description="never shown")
    tests: list[dict[str, Any]] = Field(
        default=[], max_length=100, description="call, script or http tests; some hidden"
    )
    module: str = Field(
        default="", max_length=31, description="tests kind: the import name the tests use"
    )
    module_source: str = Field(
        default="", max_length=64 * 1024, description="tests kind: the module under test"
    )
    threshold: float = Field(
        default=1.0, gt=0, le=1, description="tests kind: share of mutants to kill"
    )
    variants: list[str] = Field(
        default=[], max_length=5, description="tests kind: correct rewrites (hidden)"
    )
    mutants: list[MutantIn] = Field(
        default=[], max_length=20, description="tests kind: hidden mutants"
    )

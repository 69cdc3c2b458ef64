"""Challenges: one folder each under viva/content/challenges, loaded and validated here.

A folder holds challenge.yaml (metadata, limits), prompt.md, starter.py, solution.py (the
reference) and tests.yaml (visible examples and hidden tests with their expected values).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{2,60}$"  # of challenges authored through the API
CHALLENGES_DIR = Path(__file__).resolve().parent.parent / "content" / "challenges"


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpu_seconds: float = Field(default=2.0, gt=0, le=30)
    wall_seconds: float = Field(default=5.0, gt=0, le=60)
    memory_mb: int = Field(default=256, ge=32, le=2048)
    output_kb: int = Field(default=64, ge=1, le=4096)


class Step(BaseModel):
    """One observation in a script test: `exec` runs code, `eval` checks a value."""

    model_config = ConfigDict(extra="forbid")
    exec: str | None = None
    eval: str | None = None
    expected: Any = None
    raises: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if (self.exec is None) == (self.eval is None):
            raise ValueError("a step has exactly one of exec or eval")
        return self


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: int
    json_: Any = Field(default=None, alias="json")
    json_subset: dict[str, Any] | None = None
    headers: dict[str, str] = {}


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    method: str = "GET"
    url: str
    json_: Any = Field(default=None, alias="json")
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    data: dict[str, Any] | None = None
    files: dict[str, list[str]] | None = None
    expect: Expect


class TestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    kind: Literal["call", "script", "http", "property"]
    hidden: bool = False
    weight: float = Field(default=1.0, gt=0)
    # "separate" runs the solution in a process of its own and the test's code in the
    # harness's (runtime/separate.py); one such test makes every test so (not http tests)
    process: Literal["same", "separate"] = "same"
    # modules the solution's process of this test (one of its own) cannot import or read
    # the files of, nor find already imported (`process: separate` only)
    solution_without: list[str] = []
    # call
    call: str | None = None
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    expected: Any = None
    raises: str | None = None
    # property: `strategy` (Hypothesis, producing argument tuples) draws a pool of inputs;
    # each submission meets `examples` of them (see grader.resolved_tests), and the
    # reference solution's results on them are the expected values
    strategy: str | None = None
    examples: int = Field(default=50, ge=1, le=500)
    cases: list[list[Any]] = []
    expected_steps: list[dict[str, Any]] = []
    # script
    setup: str | None = None
    steps: list[Step] = []
    # http
    app: str = "app"
    requests: list[Request] = []

    @model_validator(mode="after")
    def _complete(self) -> TestCase:
        if self.kind == "call" and not self.call:
            raise ValueError(f"{self.name}: a call test names the function in `call`")
        if self.kind == "script" and not self.steps:
            raise ValueError(f"{self.name}: a script test has steps")
        if self.solution_without and self.process != "separate":
            raise ValueError(f"{self.name}: solution_without needs process: separate")
        if self.process == "separate" and self.kind == "http":
            raise ValueError(f"{self.name}: an http test does not run in a separate process")
        if self.kind == "http" and not self.requests:
            raise ValueError(f"{self.name}: an http test has requests")
        if self.kind == "property" and not (self.call and self.strategy and self.hidden):
            raise ValueError(f"{self.name}: a property test is hidden and has call and strategy")
        return self

    def job(self, index: int) -> dict[str, Any]:
        """What the sandbox may see: inputs only, never an expected value."""
        base: dict[str, Any] = {"id": index, "kind": self.kind}
        if self.process == "separate":
            base["process"] = "separate"
        if self.solution_without:
            base["solution_without"] = list(self.solution_without)
        if self.kind == "call":
            return {
                **base,
                "call": self.call,
                "args": self.args,
                "kwargs": self.kwargs,
                "may_raise": self.raises is not None,
            }
        if self.kind == "property":
            return {**base, "call": self.call, "cases": self.cases}
        if self.kind == "script":
            steps = [
                {"exec": s.exec}
                if s.exec is not None
                else {"eval": s.eval, "may_raise": s.raises is not None}
                for s in self.steps
            ]
            return {**base, "setup": self.setup, "steps": steps}
        requests = [
            r.model_dump(by_alias=True, exclude={"expect"}, exclude_none=True)
            for r in self.requests
        ]
        return {**base, "app": self.app, "requests": requests}


class ChallengeMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    seed_question: int | None = Field(default=None, ge=1, le=100)
    kind: Literal["function", "class", "fastapi"]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = []
    limits: Limits = Limits()
    float_tolerance: float = Field(default=1e-6, ge=0)
    packages: list[str] = Field(default=[], description="allowed imports beyond the stdlib")


@dataclass(frozen=True)
class Challenge:
    slug: str
    meta: ChallengeMeta
    prompt: str
    starter: str
    solution: str
    tests: list[TestCase] = field(default_factory=list)

    @property
    def visible(self) -> list[TestCase]:
        return [t for t in self.tests if not t.hidden]


class ChallengeFormatError(ValueError):
    pass


def load_challenge(folder: Path) -> Challenge:
    def read(name: str) -> str:
        path = folder / name
        if not path.is_file():
            raise ChallengeFormatError(f"{folder.name}: missing {name}")
        return path.read_text(encoding="utf-8")

    try:
        meta = ChallengeMeta.model_validate(yaml.safe_load(read("challenge.yaml")))
        raw_tests = yaml.safe_load(read("tests.yaml"))
        tests = [TestCase.model_validate(t) for t in raw_tests["tests"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ChallengeFormatError(f"{folder.name}: {exc}") from exc
    if not any(not t.hidden for t in tests) or not any(t.hidden for t in tests):
        raise ChallengeFormatError(f"{folder.name}: needs visible examples and hidden tests")
    return Challenge(
        slug=folder.name,
        meta=meta,
        prompt=read("prompt.md"),
        starter=read("starter.py"),
        solution=read("solution.py"),
        tests=tests,
    )


def challenge_kind(folder: Path) -> str | None:
    """The `kind` a challenge folder declares, without validating the rest."""
    try:
        data = yaml.safe_load((folder / "challenge.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


@lru_cache(maxsize=1)
def load_challenges(directory: Path = CHALLENGES_DIR) -> dict[str, Challenge]:
    """The Python challenges (SQL and test-writing challenges live beside them;
    viva.grading.sql and viva.grading.mutants load those)."""
    if not directory.is_dir():
        return {}
    return {
        d.name: load_challenge(d)
        for d in sorted(directory.iterdir())
        if d.is_dir()
        and (d / "challenge.yaml").exists()
        and challenge_kind(d) not in ("sql", "tests")
    }


# Hypothesis also draws constants it finds in the code already imported, so the same seed
# gives other cases in another process; a fresh interpreter that imports only Hypothesis
# draws the same cases for the same seed in every process.
_GENERATE = """
import json, sys
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

request = json.load(sys.stdin)
drawn = {}

@seed(request["seed"])
@settings(max_examples=request["examples"], database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(eval(request["strategy"], {"st": st}))
def collect(args):
    case = list(args) if isinstance(args, tuple) else [args]
    drawn.setdefault(json.dumps(case), case)

collect()
json.dump(list(drawn.values()), sys.stdout)
"""


def generate_cases(strategy: str, examples: int, *, seed: int = 0) -> list[list[Any]]:
    """Distinct argument lists drawn by Hypothesis, the same for the same seed in every
    process. The strategy is shipped content, trusted, evaluated with `st` in scope."""
    request = json.dumps({"strategy": strategy, "examples": examples, "seed": seed})
    done = subprocess.run(
        [sys.executable, "-I", "-c", _GENERATE],
        input=request,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"generating cases failed: {done.stderr.strip()[-500:]}")
    cases: list[list[Any]] = json.loads(done.stdout)
    return cases

"""Test-writing challenges: the candidate writes pytest tests for a given module, and the tests
are graded by hidden mutants of it.

A folder with `kind: tests` holds the module under test (`module.py`, shown to the candidate),
its correct rewrites (`variants/*.py`, hidden), hand-written mutants (`mutants/<id>.py`, hidden,
described in `mutants.yaml`), reference tests (`solution.py`) and a starter. Each version runs
in its own sandbox run (runtime/testdriver.py): the tests must pass on the module and every
rewrite, and each mutant they fail on is killed. Score = killed / mutants; Accepted at the
challenge's `threshold`. The report names killed mutants by description, never their code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from viva.grading.challenges import CHALLENGES_DIR, ChallengeFormatError, Limits, challenge_kind
from viva.grading.judge.outcome import Grade, RunOutcome, RunStatus, TestResult, Verdict, storable
from viva.grading.runners import RUNTIME_DIR, Runner

DRIVER = RUNTIME_DIR / "testdriver.py"
LIMIT_VERDICTS = {
    RunStatus.TIMEOUT: Verdict.TIME_LIMIT,
    RunStatus.CPU_LIMIT: Verdict.TIME_LIMIT,
    RunStatus.MEMORY: Verdict.MEMORY_LIMIT,
    RunStatus.OUTPUT: Verdict.OUTPUT_LIMIT,
}
CORRECT = "passes on the correct module"
REWRITES = "passes on every correct rewrite of the module"


class MutantMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    seed_question: int | None = Field(default=None, ge=1, le=100)
    kind: Literal["tests"]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    tags: list[str] = []
    limits: Limits = Limits()
    module: str = Field(pattern=r"^[a-z][a-z0-9_]{1,30}$", description="import name")
    threshold: float = Field(default=1.0, gt=0, le=1, description="share of mutants to kill")


class MutantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")
    description: str = Field(min_length=5, max_length=200)


@dataclass(frozen=True)
class Mutant:
    id: str
    description: str
    source: str


@dataclass(frozen=True)
class MutantChallenge:
    slug: str
    meta: MutantMeta
    prompt: str
    starter: str
    solution: str  # the reference tests
    module: str  # the module under test, as the candidate sees it
    variants: list[str] = field(default_factory=list)
    mutants: list[Mutant] = field(default_factory=list)


def load_mutant_challenge(folder: Path) -> MutantChallenge:
    def read(path: Path) -> str:
        if not path.is_file():
            raise ChallengeFormatError(f"{folder.name}: missing {path.relative_to(folder)}")
        return path.read_text(encoding="utf-8")

    try:
        meta = MutantMeta.model_validate(yaml.safe_load(read(folder / "challenge.yaml")))
        specs = [
            MutantSpec.model_validate(m)
            for m in yaml.safe_load(read(folder / "mutants.yaml"))["mutants"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise ChallengeFormatError(f"{folder.name}: {exc}") from exc
    if len(specs) < 3 or len({m.id for m in specs}) != len(specs):
        raise ChallengeFormatError(f"{folder.name}: at least 3 mutants, unique ids")
    variants = [read(p) for p in sorted((folder / "variants").glob("*.py"))]
    if not variants:
        raise ChallengeFormatError(f"{folder.name}: at least one correct rewrite in variants/")
    return MutantChallenge(
        slug=folder.name,
        meta=meta,
        prompt=read(folder / "prompt.md"),
        starter=read(folder / "starter.py"),
        solution=read(folder / "solution.py"),
        module=read(folder / "module.py"),
        variants=variants,
        mutants=[
            Mutant(m.id, m.description, read(folder / "mutants" / f"{m.id}.py")) for m in specs
        ],
    )


MAX_AUTHORED_MUTANTS = 20
MAX_AUTHORED_VARIANTS = 5


def build_mutant_challenge(
    *,
    slug: str,
    meta: dict[str, Any],
    prompt: str,
    starter: str,
    solution: str,
    module: str,
    variants: list[str],
    mutants: list[dict[str, Any]],
) -> MutantChallenge:
    """An authored test-writing challenge from its parts (the API's, or a stored row's), or
    ChallengeFormatError saying what is wrong. The sandbox proof is the caller's."""
    try:
        parsed = MutantMeta.model_validate(meta)
        specs = [
            MutantSpec.model_validate({k: m.get(k) for k in ("id", "description")}) for m in mutants
        ]
    except (ValueError, TypeError, AttributeError) as exc:
        raise ChallengeFormatError(str(exc).splitlines()[0] + _detail(exc)) from exc
    if parsed.seed_question is not None:
        raise ChallengeFormatError("seed_question is for the built-in track's challenges")
    if not 3 <= len(specs) <= MAX_AUTHORED_MUTANTS or len({m.id for m in specs}) != len(specs):
        raise ChallengeFormatError(f"mutants: 3 to {MAX_AUTHORED_MUTANTS}, with unique ids")
    if not 1 <= len(variants) <= MAX_AUTHORED_VARIANTS:
        raise ChallengeFormatError(
            f"variants: 1 to {MAX_AUTHORED_VARIANTS} correct rewrites of the module "
            "(the same behaviour, written differently)"
        )
    sources = [module, *variants, *(m.get("source") for m in mutants)]
    if not all(isinstance(text, str) and text.strip() for text in sources):
        raise ChallengeFormatError("module, every variant and every mutant need a source")
    same = [spec.id for spec, m in zip(specs, mutants, strict=True) if m["source"] == module]
    if same:
        raise ChallengeFormatError(f"mutant '{same[0]}' is the module itself: no test can kill it")
    return MutantChallenge(
        slug=slug,
        meta=parsed,
        prompt=prompt,
        starter=starter,
        solution=solution,
        module=module,
        variants=list(variants),
        mutants=[
            Mutant(s.id, s.description, m["source"]) for s, m in zip(specs, mutants, strict=True)
        ],
    )


def _detail(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return ""
    first = errors()[0]
    return f": {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


def stored_versions(challenge: MutantChallenge) -> list[dict[str, Any]]:
    """The hidden parts of an authored test-writing challenge, as its row's `tests` JSON."""
    rows: list[dict[str, Any]] = [{"module": challenge.module}]
    rows += [{"variant": v} for v in challenge.variants]
    rows += [
        {"id": m.id, "description": m.description, "source": m.source} for m in challenge.mutants
    ]
    return rows


def from_stored(
    *,
    slug: str,
    meta: dict[str, Any],
    versions: list[dict[str, Any]],
    prompt: str,
    starter: str,
    solution: str,
) -> MutantChallenge:
    module = next((v["module"] for v in versions if "module" in v), "")
    return build_mutant_challenge(
        slug=slug,
        meta=meta,
        prompt=prompt,
        starter=starter,
        solution=solution,
        module=module,
        variants=[v["variant"] for v in versions if "variant" in v],
        mutants=[v for v in versions if "id" in v],
    )


@lru_cache(maxsize=1)
def load_mutant_challenges(directory: Path = CHALLENGES_DIR) -> dict[str, MutantChallenge]:
    if not directory.is_dir():
        return {}
    return {
        d.name: load_mutant_challenge(d)
        for d in sorted(directory.iterdir())
        if d.is_dir() and challenge_kind(d) == "tests"
    }


# Grading ----------------------------------------------------------------------------------


@dataclass
class VersionRun:
    """The candidate's tests on one version: None results when the run itself failed."""

    status: RunStatus
    results: list[dict[str, Any]] | None
    load_error: str = ""
    detail: str = ""

    @property
    def all_passed(self) -> bool:
        return (
            self.status == RunStatus.EXITED
            and not self.load_error
            and self.results is not None
            and any(r["outcome"] == "passed" for r in self.results)
            and all(r["outcome"] in ("passed", "skipped") for r in self.results)
        )


def job(challenge: MutantChallenge, tests_source: str, version: str) -> dict[str, Any]:
    payload = {
        "module": challenge.meta.module,
        "module_source": version,
        "tests_source": tests_source,
    }
    call = {"id": 0, "kind": "call", "call": "run_tests", "args": [payload], "may_raise": False}
    return {"source": DRIVER.read_text(encoding="utf-8"), "tests": [call]}


def read_run(outcome: RunOutcome) -> VersionRun:
    """What the driver reported, checked for shape (the candidate's code shares its process,
    so a malformed report is the candidate's doing: the version counts as failed)."""
    record = next((r for r in outcome.records if r.get("test") == 0), None)
    value = None
    if record is not None and isinstance(record.get("steps"), list) and record["steps"]:
        value = record["steps"][0].get("value") if isinstance(record["steps"][0], dict) else None
    if outcome.status != RunStatus.EXITED or not isinstance(value, dict):
        detail = outcome.detail or (str(record.get("error", ""))[-600:] if record else "")
        return VersionRun(outcome.status, None, detail=detail)
    if isinstance(value.get("load_error"), str):
        return VersionRun(outcome.status, None, load_error=value["load_error"])
    raw = value.get("results")
    results = [
        {"name": str(r["name"])[:200], "outcome": r["outcome"], "message": str(r["message"])}
        for r in raw or []
        if isinstance(r, dict)
        and isinstance(r.get("name"), str)
        and r.get("outcome") in ("passed", "failed", "skipped")
        and isinstance(r.get("message"), str)
    ]
    if not isinstance(raw, list) or len(results) != len(raw):
        return VersionRun(outcome.status, None, detail="the test run's report was malformed")
    return VersionRun(outcome.status, results)


def _run(runner: Runner, challenge: MutantChallenge, source: str, version: str) -> VersionRun:
    return read_run(runner.run(job(challenge, source, version), challenge.meta.limits))


def _correct_row(run: VersionRun) -> TestResult:
    if run.results is None:
        message = run.load_error or run.detail or "the tests did not finish"
        return TestResult(CORRECT, False, 1.0, False, "error", message=message)
    failing = [r for r in run.results if r["outcome"] == "failed"]
    passed = sum(r["outcome"] == "passed" for r in run.results)
    if not run.results:
        message = "no tests found: name test functions test_* (or methods of Test* classes)"
        return TestResult(CORRECT, False, 1.0, False, "wrong", message=message)
    if failing:
        lines = [f"{r['name']}: {r['message']}" for r in failing[:10]]
        message = f"{len(failing)} of your tests fail on the correct module:\n" + "\n".join(lines)
        return TestResult(CORRECT, False, 1.0, False, "wrong", message=message[:4000])
    if not passed:
        return TestResult(CORRECT, False, 1.0, False, "wrong", message="every test was skipped")
    return TestResult(CORRECT, False, 1.0, True, "passed", message=f"{passed} tests passed")


def grade_tests(
    runner: Runner, challenge: MutantChallenge, source: str, *, visible_only: bool
) -> Grade:
    """Blocking (run in a worker thread). A Run checks the tests on the correct module only;
    a submission also on the hidden rewrites and mutants, one sandbox run each."""
    reference = _run(runner, challenge, source, challenge.module)
    limit = LIMIT_VERDICTS.get(reference.status)
    if reference.status == RunStatus.INTERNAL:
        return Grade(Verdict.INTERNAL_ERROR, 0.0, message=reference.detail or "sandbox failed")
    if limit is not None:
        return Grade(limit, 0.0, [_correct_row(reference)], reference.detail)
    if "SyntaxError" in reference.load_error or "IndentationError" in reference.load_error:
        return Grade(Verdict.SYNTAX_ERROR, 0.0, [], storable(reference.load_error))
    first = _correct_row(reference)
    if visible_only or not first.passed:
        verdict = Verdict.ACCEPTED if first.passed and visible_only else Verdict.WRONG_ANSWER
        if reference.results is None and not reference.load_error:
            verdict = Verdict.RUNTIME_ERROR
        if visible_only and first.passed:
            first.message += "; Submit grades them on the hidden mutants"
        return Grade(verdict, 0.0, [first], "" if first.passed else first.message)
    rewrites = [_run(runner, challenge, source, v) for v in challenge.variants]
    if any(r.status == RunStatus.INTERNAL for r in rewrites):
        return Grade(Verdict.INTERNAL_ERROR, 0.0, message="the sandbox failed")
    rewrites_pass = all(r.all_passed for r in rewrites)
    second = TestResult(REWRITES, True, 1.0, rewrites_pass, "passed" if rewrites_pass else "wrong")
    if not rewrites_pass:
        message = (
            "your tests fail on a correct module written differently: they depend on how "
            "the module is written (its code, names or line numbers), not on what it does"
        )
        return Grade(Verdict.WRONG_ANSWER, 0.0, [first, second], message)
    killed: list[Mutant] = []
    survived = 0
    for mutant in challenge.mutants:
        run = _run(runner, challenge, source, mutant.source)
        if run.status == RunStatus.INTERNAL:
            return Grade(Verdict.INTERNAL_ERROR, 0.0, message="the sandbox failed")
        if run.all_passed:
            survived += 1
        else:
            killed.append(mutant)
    rows = [first, second]
    rows += [TestResult(f"killed: {m.description}", False, 1.0, True, "passed") for m in killed]
    rows += [
        TestResult(f"survived: hidden mutant {i + 1}", True, 1.0, False, "wrong")
        for i in range(survived)
    ]
    total = len(challenge.mutants)
    score = len(killed) / total
    message = f"your tests killed {len(killed)} of {total} mutants; {survived} survived"
    if not killed:
        message += (
            " (they pass on every mutant: they check nothing the mutants break, as `assert "
            "True` would)"
        )
    accepted = score >= challenge.meta.threshold - 1e-9
    if not accepted:
        message += f"; Accepted needs {challenge.meta.threshold:.0%}"
    return Grade(Verdict.ACCEPTED if accepted else Verdict.WRONG_ANSWER, score, rows, message)

"""Mutation scores of the shipped challenges: how many wrong variants of each reference
solution the hidden tests reject.

    .venv/bin/python scripts/mutation_score.py [--kind python|sql|tests|all] [--show-survivors]
        [slug ...]

Python: mutants of `solution.py` are made with mutmut's own mutation operators and node
selection (`mutmut.mutation.file_mutation.MutationVisitor`), one standalone source per
mutation point, and each is graded by Viva's real grader (`grade_source` in the bubblewrap
sandbox, every test including the hidden ones). A mutant that is not Accepted is killed
(a loop ends as Time Limit Exceeded). Survivors judged equivalent are listed, with a reason,
in the challenge's `equivalent-mutants.yaml`; score = killed / (mutants - equivalent).

SQL challenges are scored by `sql_scores` (the `--kind sql` hook; see below).

Test-writing challenges (`--kind tests`): their hand-written mutants are the grading itself
(tests/grading/test_mutant_challenges.py proves the reference tests kill all of them), so
here mutmut's mutants of `module.py` measure the reference tests (`solution.py`) beyond
them: each mutant module runs the reference tests through the same driver and sandbox as a
submission (one run each, `viva.grading.mutants.job`); killed when not every test passes.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import sys
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
import yaml
from libcst.metadata import MetadataWrapper, PositionProvider
from mutmut.mutation.file_mutation import (
    NEVER_MUTATE_FUNCTION_NAMES,
    MutationVisitor,
    deep_replace,
)
from mutmut.mutation.mutators import mutation_operators
from mutmut.mutation.pragma_handling import get_ignored_lines

from viva.grading.challenges import CHALLENGES_DIR, Challenge, challenge_kind, load_challenge
from viva.grading.runners import Runner

EQUIVALENT_FILE = "equivalent-mutants.yaml"
PYTHON_KINDS = ("function", "class", "fastapi")
TESTS_KIND = "tests"


@dataclass(frozen=True)
class Mutant:
    id: str  # hash of the mutated source: stable while solution.py does not change
    line: int
    diff: str  # "- old line / + new line"
    source: str


@dataclass
class Score:
    slug: str
    mutants: int = 0
    killed: int = 0
    survived: list[Mutant] = field(default_factory=list)
    equivalent: list[tuple[Mutant, str]] = field(default_factory=list)
    errors: list[tuple[Mutant, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # equivalent ids that match no mutant

    @property
    def score(self) -> float:
        graded = self.mutants - len(self.equivalent) - len(self.errors)
        return self.killed / graded if graded else 1.0


# --- Python: mutants ------------------------------------------------------------------


class _StandaloneVisitor(MutationVisitor):
    """mutmut's visitor, minus the skips that exist only for its trampolines.

    mutmut runs every mutant of a file from one module with trampolines, so it cannot mutate
    decorated functions, decorators or module-level code (they run at import). Each mutant
    here is a file of its own, so those are mutated too; a mutant that breaks the import is
    simply rejected by the grader. Annotations stay skipped except in FastAPI apps, where
    FastAPI reads them (`Annotated[int, Query(ge=1)]`) and they are behaviour.
    """

    def __init__(self, *args: Any, annotations: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._annotations = annotations

    def _skip_node_and_children(self, node: cst.CSTNode) -> bool:
        position = self.get_metadata(PositionProvider, node, None)
        pragma = bool(position and position.start.line in self._ignored_node_lines)
        if isinstance(node, cst.Decorator):
            return pragma
        if isinstance(node, cst.FunctionDef) and node.decorators:
            return pragma or node.name.value in NEVER_MUTATE_FUNCTION_NAMES
        if isinstance(node, cst.Param) and node.default is not None:
            return pragma
        if isinstance(node, cst.Annotation) and self._annotations:
            return pragma
        return bool(super()._skip_node_and_children(node))


def python_mutants(source: str, *, kind: str) -> list[Mutant]:
    """One standalone mutated source per mutation mutmut's operators make, deduplicated."""
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module)
    ignored = get_ignored_lines("solution.py", source, wrapper)
    visitor = _StandaloneVisitor(mutation_operators, ignored, annotations=kind == "fastapi")
    wrapper.visit(visitor)
    positions = wrapper.resolve(PositionProvider)
    tree = wrapper.module  # the visited nodes belong to the wrapper's copy of the module
    seen = {source}
    out = []
    for mutation in visitor.mutations:
        mutated = deep_replace(tree, mutation.original_node, mutation.mutated_node)
        assert isinstance(mutated, cst.Module)
        code = mutated.code
        if code in seen:
            continue
        seen.add(code)
        position = positions.get(mutation.original_node)
        out.append(
            Mutant(
                id=hashlib.sha1(code.encode()).hexdigest()[:10],
                line=position.start.line if position else 0,
                diff=_short_diff(source, code),
                source=code,
            )
        )
    return out


def _short_diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
    changed = [ln for ln in lines if ln[:1] in "+-" and ln[:3] not in ("---", "+++")]
    return " / ".join(f"{ln[0]} {ln[1:].strip()}" for ln in changed)


# --- Python: grading ------------------------------------------------------------------


def load_equivalent(folder: Path) -> dict[str, str]:
    """id -> reason, from the challenge's equivalent-mutants.yaml (absent: none)."""
    path = folder / EQUIVALENT_FILE
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("equivalent", []) if isinstance(data, dict) else []
    out = {}
    for entry in entries:
        if not (isinstance(entry, dict) and entry.get("id") and entry.get("reason")):
            raise SystemExit(f"{path}: every entry needs `id` and `reason`")
        out[str(entry["id"])] = str(entry["reason"])
    return out


def _slugs(only: Sequence[str], kinds: Container[str]) -> list[str]:
    folders = sorted(d for d in CHALLENGES_DIR.iterdir() if (d / "challenge.yaml").is_file())
    slugs = [d.name for d in folders if challenge_kind(d) in kinds]
    return [s for s in slugs if s in only] if only else slugs


def python_slugs(only: Sequence[str]) -> list[str]:
    return _slugs(only, PYTHON_KINDS)


def tests_slugs(only: Sequence[str]) -> list[str]:
    return _slugs(only, {TESTS_KIND})


def _score(
    slug: str,
    mutants: list[Mutant],
    equivalent: dict[str, str],
    killed: Callable[[Mutant], bool | str],
) -> Score:
    """Tally the mutants: `killed` says whether the tests kill one, or why it could not run."""
    score = Score(slug)
    score.mutants = len(mutants)
    for mutant in mutants:
        outcome = killed(mutant)
        if isinstance(outcome, str):
            score.errors.append((mutant, outcome))
        elif outcome:
            score.killed += 1
        elif mutant.id in equivalent:
            score.equivalent.append((mutant, equivalent[mutant.id]))
        else:
            score.survived.append(mutant)
    ids = {m.id for m in mutants}
    score.stale = [i for i in equivalent if i not in ids]
    return score


def tests_scores(slugs: Sequence[str], runner: Runner) -> Iterator[Score]:
    """mutmut's mutants of each test-writing challenge's module, against its reference tests."""
    from viva.grading.mutants import MutantChallenge, job, load_mutant_challenge, read_run

    for slug in slugs:
        folder = CHALLENGES_DIR / slug
        challenge = load_mutant_challenge(folder)
        equivalent = load_equivalent(folder)

        def passes(version: str, challenge: MutantChallenge = challenge) -> bool:
            outcome = runner.run(job(challenge, challenge.solution, version), challenge.meta.limits)
            return read_run(outcome).all_passed

        if not passes(challenge.module):
            raise SystemExit(f"{slug}: the reference tests fail on the module")
        kind = "fastapi" if "fastapi" in challenge.module else "function"
        mutants = python_mutants(challenge.module, kind=kind)
        yield _score(slug, mutants, equivalent, lambda m: not passes(m.source))


def python_scores(slugs: Sequence[str], runner: Runner) -> Iterator[Score]:
    from viva.grading.grader import grade_source
    from viva.grading.judge.outcome import Verdict

    for slug in slugs:
        folder = CHALLENGES_DIR / slug
        challenge: Challenge = load_challenge(folder)
        equivalent = load_equivalent(folder)
        reference = grade_source(runner, challenge, challenge.solution, visible_only=False)
        if reference.verdict != Verdict.ACCEPTED:
            raise SystemExit(f"{slug}: the reference solution is {reference.verdict}")
        mutants = python_mutants(challenge.solution, kind=challenge.meta.kind)

        def killed(mutant: Mutant, challenge: Challenge = challenge) -> bool | str:
            verdict = grade_source(runner, challenge, mutant.source, visible_only=False)
            if verdict.verdict == Verdict.INTERNAL_ERROR:
                return verdict.message  # a str, even empty: an error, not a verdict
            return verdict.verdict != Verdict.ACCEPTED

        yield _score(slug, mutants, equivalent, killed)


# --- SQL ------------------------------------------------------------------------------


def sql_scores(slugs: Sequence[str]) -> Iterator[Score]:
    """The SQL challenges (kind: sql): sqlglot mutants of each reference, graded on SQLite and
    PostgreSQL by scripts/mutation_score_sql.py (its options: run it directly); one score per
    challenge and dialect."""
    import asyncio
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "mutation_score_sql", Path(__file__).with_name("mutation_score_sql.py")
    )
    assert spec is not None and spec.loader is not None
    sql = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = sql
    spec.loader.exec_module(sql)

    def mutant(m: Any) -> Mutant:
        return Mutant(id=m.description, line=0, diff=m.description, source=m.sql)

    for s in asyncio.run(sql.score_all(slugs)):
        yield Score(
            f"{s.slug} {s.dialect}",
            mutants=s.total,
            killed=len(s.killed),
            survived=[mutant(m) for m in s.survived],
            equivalent=[(mutant(m), reason) for m, reason in s.equivalent],
            stale=s.stale,
        )


# --- report ---------------------------------------------------------------------------


def report(score: Score, *, show_survivors: bool) -> None:
    graded = score.mutants - len(score.equivalent) - len(score.errors)
    print(
        f"{score.slug:28} mutants {score.mutants:3}  killed {score.killed:3}  "
        f"survived {len(score.survived):3}  equivalent {len(score.equivalent):3}  "
        f"score {score.killed}/{graded} = {score.score:.1%}",
        flush=True,
    )
    for mutant, reason in score.equivalent:
        print(f"    equivalent {mutant.id} L{mutant.line}: {mutant.diff}  ({reason})")
    for mutant, message in score.errors:
        print(f"    INTERNAL ERROR {mutant.id} L{mutant.line}: {mutant.diff}: {message[:200]}")
    for stale in score.stale:
        print(f"    stale entry in {EQUIVALENT_FILE}: {stale} (no such mutant)")
    if show_survivors:
        for mutant in score.survived:
            print(f"    SURVIVED {mutant.id} L{mutant.line}: {mutant.diff}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="challenges to score (default: all of --kind)")
    parser.add_argument("--kind", choices=("python", "sql", "tests", "all"), default="python")
    parser.add_argument("--show-survivors", action="store_true")
    parser.add_argument("--uid-base", type=int, default=45500, help="sandbox slot uids")
    parser.add_argument("--slots", type=int, choices=(1, 2), default=1)
    args = parser.parse_args(argv)
    scores: list[Score] = []
    parts = []
    closers: list[Callable[[], None]] = []
    if args.kind in ("python", "tests", "all"):
        from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner

        runner = SandboxRunner(SandboxConfig(slots=args.slots, uid_base=args.uid_base))
        closers.append(runner.close)
        if args.kind in ("python", "all"):
            parts.append(python_scores(python_slugs(args.slugs), runner))
        if args.kind in ("tests", "all"):
            parts.append(tests_scores(tests_slugs(args.slugs), runner))
    if args.kind in ("sql", "all"):
        python = set(python_slugs([]) + tests_slugs([])) if args.kind == "all" else set()
        sql_slugs = [s for s in args.slugs if s not in python]
        if sql_slugs or not args.slugs:
            parts.append(sql_scores(sql_slugs))
    try:
        for part in parts:
            for score in part:
                report(score, show_survivors=args.show_survivors)
                scores.append(score)
    finally:
        for close in closers:
            close()
    below = [s.slug for s in scores if s.score < 0.9]
    if below:
        print(f"below 90%: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

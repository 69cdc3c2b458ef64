"""Score the key-point checker against the hand-labelled evaluation set in bench/matcher/.

`.venv/bin/python bench/bench_matcher.py [--part PART|all] [--show-errors] [--json]
[--baseline REV]` prints, per part: precision, recall and F1 of "covered"; per answer kind the
share of points a careful interviewer ticked against the share the checker credited; the share
of wrong-but-similar-words points credited; and the milliseconds to check one answer
(median of several rounds over every answer of the part). With ``--baseline REV`` it also
scores the checker as it was at git revision REV (its matcher package and word tables, or the
single matcher and synonym modules of older revisions, loaded from git into a private package)
in the same run, and prints the ratio of their speeds.

``--show-errors`` lists disagreements for the parts the checker is tuned on (READ_PARTS:
tuning, heldout and heldout2, which had been scored and read several times by 2026-12-03 and are
tuning data since; heldout3, heldout4 and heldout5, scored and read by 2026-12-04 and tuning data
since; heldout6, written by a labeller who does not work on the checker, scored once at the
end of the seventh round and tuning data since). heldout7.yaml (questions 8, 15, 22, 37, 44, 51,
63, 80, 84, 98) is scored, never listed: it was scored once, at the end of the eighth round
(2026-12-04), and is tuning data from then on (a later round may add it to READ_PARTS).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from viva.practice.evalset import EvalAnswer, load_eval_set  # noqa: E402
from viva.practice.matcher import answer_synonyms, match_key_points  # noqa: E402

DATA = ROOT / "bench" / "matcher"
Matcher = Callable[..., list[Any]]


def baseline_matcher(rev: str) -> Matcher:
    """``match_key_points`` as it was at git revision ``rev``, loaded from git (no checkout)
    into a private package: the matcher package and its word tables of that revision (a
    revision from before the package split, a single ``matcher.py`` with ``synonyms.py``, is
    read too). The answer files' ``synonyms:`` are read from disk, as they are now."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)

    def source(path: str) -> str | None:
        shown = git("show", f"{rev}:{path}")
        return shown.stdout if shown.returncode == 0 else None

    checked = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if checked.returncode:
        raise subprocess.CalledProcessError(checked.returncode, "git", stderr="unknown revision")
    listing = git("ls-tree", "--name-only", f"{rev}:src/viva/practice/matcher")
    root = Path(tempfile.mkdtemp(prefix="viva-baseline-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    package = root / "_baseline"
    (package / "practice" / "matcher").mkdir(parents=True)
    (package / "content").mkdir()
    for directory in (package, package / "practice"):
        (directory / "__init__.py").write_text("")
    tables = source("src/viva/content/synonyms.yaml")
    if tables is not None:
        (package / "content" / "synonyms.yaml").write_text(tables)

    def private(code: str) -> str:
        return code.replace("viva.practice.matcher", "_baseline.practice.matcher").replace(
            "viva.practice.synonyms", "_baseline.practice.synonyms"
        )

    if listing.returncode == 0:  # the matcher package
        for name in listing.stdout.split():
            code = source(f"src/viva/practice/matcher/{name}")
            if name.endswith(".py") and code is not None:
                (package / "practice" / "matcher" / name).write_text(private(code))
    else:  # one module, with its synonym module beside it
        (package / "practice" / "matcher").rmdir()
        for name in ("matcher", "synonyms"):
            code = source(f"src/viva/practice/{name}.py")
            if code is None:
                raise subprocess.CalledProcessError(1, "git show", stderr=f"{rev}: no {name}.py")
            (package / "practice" / f"{name}.py").write_text(private(code))
    sys.path.insert(0, str(root))
    module = importlib.import_module("_baseline.practice.matcher")
    match: Matcher = module.match_key_points
    return match


PARTS = (
    "tuning",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
)
# The parts whose disagreements may be read while tuning.
READ_PARTS = frozenset(
    {"tuning", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6"}
)
KINDS = ("strong", "partial", "wrong", "off-topic", "feedback")


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, human: bool, checker: bool) -> None:
        if human and checker:
            self.tp += 1
        elif checker:
            self.fp += 1
        elif human:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def pairs(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def human_share(self) -> float:
        return (self.tp + self.fn) / self.pairs if self.pairs else 0.0

    @property
    def checker_share(self) -> float:
        return (self.tp + self.fp) / self.pairs if self.pairs else 0.0

    @property
    def false_credit(self) -> float:
        """Credit given where the labeller gave none: of a wrong answer's points, the share
        credited (the same as `checker_share` where a wrong answer ticks nothing, as in every
        part before heldout6, whose subtle wrong answers state some points correctly)."""
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0


@dataclass
class Result:
    part: str
    questions: int
    answers: int
    total: Tally = field(default_factory=Tally)
    kinds: dict[str, Tally] = field(default_factory=dict)
    contradictions_in_wrong: int = 0
    ms_per_answer: float = 0.0
    errors: list[str] = field(default_factory=list)


def score(part: str, answers: list[EvalAnswer], *, match: Matcher = match_key_points) -> Result:
    result = Result(part, len({a.question for a in answers}), len(answers))
    for answer in answers:
        matches = match(answer.text, answer.key_points, synonyms=answer_synonyms(answer.key_points))
        tally = result.kinds.setdefault(answer.kind, Tally())
        for index, m in enumerate(matches):
            if not answer.is_labelled(index):
                continue
            human = index in answer.covered
            result.total.add(human, m.covered)
            tally.add(human, m.covered)
            if answer.kind == "wrong" and m.contradicted:
                result.contradictions_in_wrong += 1
            if human != m.covered:
                said = "credited" if m.covered else "missed"
                result.errors.append(
                    f"Q{answer.question} {answer.kind} #{index} {said}: {m.point!r}"
                    f" matched={list(m.matched)} {m.contradicted}"
                )
    return result


def report(result: Result) -> dict[str, Any]:
    kinds = {
        kind: {
            "pairs": t.pairs,
            "human": round(t.human_share, 3),
            "checker": round(t.checker_share, 3),
            "precision": round(t.precision, 3),
            "recall": round(t.recall, 3),
        }
        for kind, t in sorted(result.kinds.items(), key=lambda kv: KINDS.index(kv[0]))
    }
    wrong = result.kinds.get("wrong", Tally())
    return {
        "part": result.part,
        "questions": result.questions,
        "answers": result.answers,
        "pairs": result.total.pairs,
        "precision": round(result.total.precision, 3),
        "recall": round(result.total.recall, 3),
        "f1": round(result.total.f1, 3),
        "wrong_credited": round(wrong.false_credit, 3),
        "wrong_flagged_contradiction": result.contradictions_in_wrong,
        "ms_per_answer": round(result.ms_per_answer, 2),
        "kinds": kinds,
    }


def print_report(r: dict[str, Any]) -> None:
    print(f"== {r['part']}: {r['questions']} questions, {r['answers']} answers, {r['pairs']} pairs")
    print(f"precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}")
    print(
        f"wrong-but-similar-words points credited: {r['wrong_credited']:.3f}"
        f" (flagged as contradicting: {r['wrong_flagged_contradiction']})"
    )
    print(f"ms per answer: {r['ms_per_answer']:.2f}")
    print(f"{'kind':<10} {'pairs':>5} {'human':>6} {'checker':>8} {'precision':>9} {'recall':>6}")
    for kind, k in r["kinds"].items():
        print(
            f"{kind:<10} {k['pairs']:>5} {k['human']:>6.3f} {k['checker']:>8.3f}"
            f" {k['precision']:>9.3f} {k['recall']:>6.3f}"
        )


def time_per_answer(matchers: list[Matcher], answers: list[EvalAnswer], rounds: int) -> list[float]:
    """Median ms to check one answer, per matcher; rounds alternate between the matchers so
    that a busy machine slows them alike."""
    timings: list[list[float]] = [[] for _ in matchers]
    for round_ in range(rounds):
        for i, match in enumerate(matchers):
            # Uncached: a matcher memoises an indexed answer, so vary the text per round.
            texts = [(a.text + f" r{round_}m{i}", a.key_points) for a in answers]
            started = time.perf_counter()
            for text, points in texts:
                match(text, points, synonyms=answer_synonyms(points))
            timings[i].append((time.perf_counter() - started) * 1000 / len(texts))
    return [statistics.median(t) for t in timings]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--show-errors", action="store_true", help="list disagreements (tuning parts)"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="also score the checker at git REV")
    args = parser.parse_args(argv)
    parts = PARTS if args.part == "all" else (args.part,)
    matchers: list[tuple[str, Matcher]] = [("now", match_key_points)]
    if args.baseline:
        try:
            matchers.insert(0, (f"at {args.baseline}", baseline_matcher(args.baseline)))
        except subprocess.CalledProcessError as exc:
            print(f"--baseline {args.baseline}: {exc.stderr.strip()}", file=sys.stderr)
            return 2
    sets: dict[str, list[EvalAnswer]] = {}
    for part in parts:
        try:
            sets[part] = load_eval_set(DATA / f"{part}.yaml")
        except (OSError, ValueError, yaml.YAMLError) as exc:
            print(f"{part}: {exc}", file=sys.stderr)
            return 2
    if "heldout" in sets and "heldout2" in sets:
        sets["heldout+heldout2"] = sets["heldout"] + sets["heldout2"]
    if "heldout4" in sets and "heldout5" in sets:
        sets["heldout4+heldout5"] = sets["heldout4"] + sets["heldout5"]
    reports = []
    for part, answers in sets.items():
        ms = time_per_answer([m for _, m in matchers], answers, args.rounds)
        for (name, match), took in zip(matchers, ms, strict=True):
            result = score(part, answers, match=match)
            result.ms_per_answer = took
            reports.append(report(result) | {"checker": name})
            if not args.json:
                if len(matchers) > 1:
                    print(f"[checker {name}]")
                print_report(reports[-1])
                if args.show_errors and part in READ_PARTS and name == "now":
                    print("\n".join(result.errors))
                print()
        if len(matchers) > 1 and not args.json:
            print(f"{part}: now / baseline ms per answer = {ms[1] / ms[0]:.2f}\n")
    if args.json:
        print(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

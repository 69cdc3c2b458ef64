"""`python -m viva.grading.check [SLUG...]`: grade each challenge's reference solution and
starter without isolation (trusted content only) and print the verdicts."""

from __future__ import annotations

import sys

from viva.grading.challenges import CHALLENGES_DIR, load_challenge, load_challenges
from viva.grading.grader import resolved_tests
from viva.grading.judge.outcome import build_job
from viva.grading.judge.verdict import grade
from viva.grading.runners import DirectRunner


def main(slugs: list[str]) -> int:
    runner = DirectRunner()
    # Named challenges load alone, so a half-written neighbour does not get in the way.
    challenges = (
        {s: load_challenge(CHALLENGES_DIR / s) for s in slugs} if slugs else load_challenges()
    )
    failed = 0
    for slug, ch in sorted(challenges.items()):
        for label, source in (("solution", ch.solution), ("starter", ch.starter)):
            tests = resolved_tests(runner, ch)
            outcome = runner.run(build_job(ch, source, tests), ch.meta.limits)
            g = grade(ch, tests, outcome)
            ok = (g.verdict == "Accepted") == (label == "solution")
            failed += not ok
            mark, counts = ("ok " if ok else "BAD"), f"({g.passed}/{len(g.tests)})"
            print(f"{mark} {slug:28} {label:8} {g.verdict} {counts} {g.message[:150]}")
            if not ok and label == "solution":
                for t in g.tests:
                    if not t.passed:
                        print(f"      {t.name}: {t.status} {t.message[:300]}")
                        print(f"        expected={t.expected!r} got={t.got!r}")
                if outcome.stderr:
                    print("      stderr:", outcome.stderr[-800:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

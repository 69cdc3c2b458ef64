"""Sandbox benchmark: an isolated run against a bare interpreter start, in the same run.

Prints median and p99 of: `python3 -I -S -c pass` (the baseline), an isolated run of a
trivial program, a graded palindrome submission (all its tests, in the program's process),
and graded submissions of the reference solutions of challenges whose tests now run apart
(`process: separate`: the test's code in the harness's process, the solution in one process
of its own per job, the two talking over a socket pair);
then the throughput of graded palindrome submissions on all slots at once. To compare with
older code in the same run, start it with `PYTHONPATH` on the other checkout's `src`. Needs
bubblewrap (as root, or unprivileged through user namespaces).

    .venv/bin/python bench/bench_sandbox.py [--runs 200] [--slots 2] [--uid-base 64000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from viva.grading.challenges import Limits, load_challenges
from viva.grading.grader import resolved_tests
from viva.grading.judge.outcome import Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner


def timings(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--uid-base", type=int, default=64000, help="the slots' first uid")
    args = parser.parse_args()
    python = os.path.realpath(sys.executable)
    runner = SandboxRunner(SandboxConfig(slots=args.slots, uid_base=args.uid_base))
    challenge = load_challenges()["palindrome"]
    tests = resolved_tests(runner, challenge)
    job = build_job(challenge, challenge.solution, tests)
    slugs = ("token-bucket", "decorator-retry", "deep-copy", "missing-keys", "chunked-generator")
    apart = {slug: load_challenges()[slug] for slug in slugs}
    apart_jobs = {slug: build_job(c, c.solution, c.tests) for slug, c in apart.items()}

    def bare() -> None:
        subprocess.run([python, "-I", "-S", "-c", "pass"], check=True)

    def trivial() -> None:
        runner.run({"source": "pass", "tests": []}, Limits())

    def palindrome() -> None:
        result = grade(challenge, tests, runner.run(job, challenge.meta.limits))
        assert result.verdict == Verdict.ACCEPTED, result

    def graded(slug: str) -> Callable[[], None]:
        def grade_reference() -> None:
            c = apart[slug]
            result = grade(c, c.tests, runner.run(apart_jobs[slug], c.meta.limits))
            assert result.verdict == Verdict.ACCEPTED, result

        return grade_reference

    cases: list[tuple[str, Callable[[], None]]] = [
        ("bare `python3 -I -S -c pass`", bare),
        ("isolated run, trivial program", trivial),
        ("isolated run, palindrome (13 tests + 80 generated)", palindrome),
    ]
    cases += [(f"graded {slug} ({len(c.tests)} tests)", graded(slug)) for slug, c in apart.items()]
    for _, fn in cases:  # warm up
        timings(fn, 10)
    rows = {}
    for name, fn in cases:
        rows[name] = timings(fn, args.runs)
        print(f"{name}: median {statistics.median(rows[name]):.2f} ms", file=sys.stderr)

    total = args.runs * 2
    started = time.perf_counter()
    with ThreadPoolExecutor(args.slots) as pool:
        list(pool.map(lambda _: palindrome(), range(total)))
    throughput = total / (time.perf_counter() - started)
    runner.close()

    base = statistics.median(rows["bare `python3 -I -S -c pass`"])
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.runs} runs each, "
        f"{args.slots} sandbox slots\n"
    )
    print("| what | median ms | p99 ms | ratio to bare start |")
    print("|---|---:|---:|---:|")
    for name, values in rows.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.2f} | {p99(values):.2f} | {med / base:.2f}x |")
    print(
        f"\nthroughput: {throughput:.0f} graded palindrome submissions/s on {args.slots} slots "
        f"({total} submissions)"
    )


if __name__ == "__main__":
    main()

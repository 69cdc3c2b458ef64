"""Running a source against a challenge's tests: the sandbox runner, the property-test pools,
and the blocking `grade_source` (call it in a worker thread).

A property test draws a pool of cases (seeded from the secret key) and the reference
solution's values on all of them in one sandbox run; each submission is graded on a subset
chosen by HMAC(secret, its source), so the cases cannot be hard-coded from an earlier run and
the same submission re-graded meets the same cases.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import threading
from typing import Any

from viva.errors import ServiceUnavailable
from viva.grading.challenges import Challenge, TestCase, generate_cases
from viva.grading.judge.outcome import Grade, Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.runners import DirectRunner, Runner
from viva.settings import Settings

POOL_PER_CASE = 10  # pool cases per case a submission gets
POOL_MAX = 2000
FIXED_SHARE = 8  # 1/8 of a submission's cases are the pool's first (Hypothesis's simplest)
GRADING_FAILED = "grading failed on the server's side; the operator's log has the details"


def internal_error(message: str) -> Grade:
    return Grade(Verdict.INTERNAL_ERROR, 0.0, [], message)


class PropertyPools:
    """Each property test's pool with the reference's results, computed once per challenge
    and secret (kept by the grading context of an app, CLI run or worker)."""

    def __init__(self) -> None:
        self._resolved: dict[tuple[str, str], list[TestCase]] = {}
        self._lock = threading.Lock()

    def pooled(self, runner: Runner, challenge: Challenge, secret: str) -> list[TestCase]:
        if not any(t.kind == "property" for t in challenge.tests):
            return challenge.tests  # nothing to draw (and an authored slug may be reused)
        key = (challenge.slug, _digest(secret, "viva-property-pool").hex())
        with self._lock:
            if key not in self._resolved:
                self._resolved[key] = _pooled_tests(runner, challenge, secret)
            return self._resolved[key]


def _digest(secret: str, *parts: str) -> bytes:
    message = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode("utf-8", "surrogatepass"), message, hashlib.sha256).digest()


def _pooled_tests(runner: Runner, challenge: Challenge, secret: str) -> list[TestCase]:
    """The challenge's tests with each property test holding its whole pool: generated
    inputs, and the reference solution's results on them (run in the sandbox)."""
    tests = []
    for test in challenge.tests:
        if test.kind != "property":
            tests.append(test)
            continue
        assert test.strategy is not None
        seed = int.from_bytes(_digest(secret, "pool", challenge.slug, test.name)[:8], "big")
        size = min(POOL_MAX, test.examples * POOL_PER_CASE)
        cases = generate_cases(test.strategy, size, seed=seed)
        tests.append(_resolve_pool(runner, challenge, test, cases))
    return tests


def _resolve_pool(
    runner: Runner, challenge: Challenge, test: TestCase, cases: list[list[Any]]
) -> TestCase:
    """The reference's results on every case: one run, the pool cut into tests of the
    property test's own size (so no record is larger than a submission's)."""
    chunks = [cases[i : i + test.examples] for i in range(0, len(cases), test.examples)]
    concrete = [test.model_copy(update={"cases": chunk}) for chunk in chunks]
    limits = challenge.meta.limits
    scaled = limits.model_copy(
        update={
            "cpu_seconds": min(30.0, limits.cpu_seconds * len(chunks)),
            "wall_seconds": min(60.0, limits.wall_seconds * len(chunks)),
        }
    )
    outcome = runner.run(build_job(challenge, challenge.solution, concrete), scaled)
    by_test = {r.get("test"): r for r in outcome.records if "steps" in r}
    expected: list[dict[str, Any]] = []
    for index, chunk in enumerate(chunks):
        steps = by_test.get(index, {}).get("steps")
        if not isinstance(steps, list) or len(steps) != len(chunk):
            raise RuntimeError(f"{challenge.slug}: the reference solution failed {test.name!r}")
        expected += steps
    return test.model_copy(update={"cases": cases, "expected_steps": expected})


def _subset(test: TestCase, slug: str, secret: str, source: str) -> TestCase:
    """The cases of the pool this source is graded on (HMAC-chosen, the same every time)."""
    size = len(test.cases)
    wanted = min(test.examples, size)
    fixed = wanted // FIXED_SHARE
    seed = _digest(secret, "cases", slug, test.name, source)
    chosen = sorted(
        [*range(fixed), *random.Random(seed).sample(range(fixed, size), wanted - fixed)]
    )
    return test.model_copy(
        update={
            "cases": [test.cases[i] for i in chosen],
            "expected_steps": [test.expected_steps[i] for i in chosen],
        }
    )


def resolved_tests(
    runner: Runner,
    challenge: Challenge,
    *,
    secret: str = "",
    source: str = "",
    pools: PropertyPools | None = None,
) -> list[TestCase]:
    """The challenge's tests with property tests made concrete for this source: its share
    of the pool's inputs, with the reference solution's results as expected values."""
    pooled = (pools or PropertyPools()).pooled(runner, challenge, secret)
    return [
        t if t.kind != "property" else _subset(t, challenge.slug, secret, source) for t in pooled
    ]


def grade_source(
    runner: Runner,
    challenge: Challenge,
    source: str,
    *,
    visible_only: bool,
    secret: str = "",
    pools: PropertyPools | None = None,
) -> Grade:
    """Blocking: run in a worker thread. A Run sees the visible examples only; a submission
    all tests, its property cases chosen by HMAC(secret, source)."""
    if visible_only:
        tests = challenge.visible
    else:
        tests = resolved_tests(runner, challenge, secret=secret, source=source, pools=pools)
    outcome = runner.run(build_job(challenge, source, tests), challenge.meta.limits)
    return grade(challenge, tests, outcome)


def grading_unavailable(settings: Settings) -> str:
    """Empty when code submitted here can be graded in isolation: always in server mode (the
    `viva worker` processes grade, each on its own host's sandbox, and Runs go to them too),
    else when this host's sandbox works; otherwise why not and how to fix it, in one sentence
    for the start-up line, challenge pages and the 503."""
    if settings.sandbox == "none" or settings.grading_on_redis:
        return ""
    return sandbox_unavailable()


def sandbox_unavailable() -> str:
    """Empty when this host can isolate code (Python, and SQLite SQL); otherwise why not."""
    from viva.grading.sandbox.host import available

    ok, reason = available()
    return "" if ok else f"{reason}. `viva doctor` checks this host feature by feature."


class _ProcessRunner:
    """The one runner of this process and the property pools it resolved. Process-wide on
    purpose, the single exception to "state lives on the app": the zygotes own the sandbox's
    slot uids, which two pools in one process (two apps in a test) must not share, starting
    them costs a second, and a pool (the same for every app of one secret) costs seconds."""

    def __init__(self) -> None:
        from viva.grading.sandbox.pool import ProcessUids

        self.runner: Runner | None = None
        self.lock = threading.Lock()
        self.pools = PropertyPools()
        self.uids = ProcessUids()


_PROCESS = _ProcessRunner()


def process_pools() -> PropertyPools:
    """The property pools this process's runner resolved (keyed by challenge and secret)."""
    return _PROCESS.pools


def process_uid_base(settings: Settings) -> int:
    """The first uid of this process's sandbox range: VIVA_SANDBOX_UID_BASE, or a range
    further up when another process on this host holds it (sandbox/pool.py). Blocking."""
    from viva.grading.sql.sqlite_runner import UID_OFFSET

    return _PROCESS.uids.base(
        base=settings.sandbox_uid_base,
        slots=settings.sandbox_slots,
        sqlite_offset=UID_OFFSET,
        lock_dir=settings.sandbox_uid_lock_dir,
    )


def get_runner(settings: Settings) -> Runner:
    """The process's runner; raises ServiceUnavailable (never falls back) when the host
    cannot isolate code. Blocking (the first call starts the zygotes)."""
    with _PROCESS.lock:
        if _PROCESS.runner is not None:
            return _PROCESS.runner
        if settings.sandbox == "none":
            _PROCESS.runner = DirectRunner()
            return _PROCESS.runner
        from viva.grading.sandbox.host import SandboxUnavailable
        from viva.grading.sandbox.pool import SandboxConfig, SandboxRunner

        try:
            _PROCESS.runner = SandboxRunner(
                SandboxConfig(slots=settings.sandbox_slots, uid_base=process_uid_base(settings))
            )
        except (SandboxUnavailable, OSError) as exc:
            raise ServiceUnavailable(
                f"grading is unavailable: {exc}. Run `viva doctor` to see how to fix it."
            ) from exc
        return _PROCESS.runner

"""Tests marked `process: separate` (the performance challenges): the solution's process
cannot reach what the test's process counts, nor its result channel.

Each hostile solution below keeps the N+1 of `fastapi-n-plus-one` and first tries an attack;
when the attack works it switches to the single-query app, so a working attack would be
Accepted. Every one must end as Wrong Answer on the statement counts (or, for killing the
harness, as a failed run), in the real sandbox.
"""

from __future__ import annotations

import pytest

from tests.grading.conftest import kernel_job
from viva.grading.challenges import CHALLENGES_DIR, load_challenge
from viva.grading.judge.outcome import Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.pool import SandboxRunner

CHALLENGE = load_challenge(CHALLENGES_DIR / "fastapi-n-plus-one")

APP = """
import sqlite3
from fastapi import FastAPI

def create_app(conn):
    attack(conn)
    app = FastAPI()

    @app.get("/authors")
    def authors():
        if REACHED:  # the attack worked: one statement, the count passes
            rows = conn.execute(
                "SELECT a.id, a.name, b.title FROM authors a LEFT JOIN books b"
                " ON b.author_id = a.id ORDER BY a.id, b.id"
            ).fetchall()
            out = {}
            for i, name, title in rows:
                out.setdefault(i, {"id": i, "name": name, "books": []})
                if title is not None:
                    out[i]["books"].append(title)
            return list(out.values())
        result = []
        for author_id, name in conn.execute("SELECT id, name FROM authors ORDER BY id"):
            books = conn.execute(
                "SELECT title FROM books WHERE author_id = ? ORDER BY id", (author_id,)
            ).fetchall()
            result.append({"id": author_id, "name": name, "books": [t for (t,) in books]})
        return result

    return app
"""

# The kernel's refusals, with the guard off (ctypes): the harness's descriptors (its result
# channel among them) and memory, through /proc, pidfd_getfd, ptrace and process_vm_readv.
KERNEL = """
import ctypes, os
REACHED = []

def attack(conn):
    parent = os.getppid()
    for n in range(64):
        for path in (f"/proc/{parent}/fd/{n}", f"/proc/{parent}/mem", f"/proc/{parent}/environ"):
            try:
                open(path, "rb").close()
                REACHED.append(path)
            except OSError:
                pass
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        pidfd = os.pidfd_open(parent)
    except OSError:
        pidfd = -1
    for n in range(64):
        if pidfd >= 0 and libc.syscall(438, pidfd, n, 0) >= 0:  # pidfd_getfd
            REACHED.append(f"pidfd_getfd {n}")
    if libc.syscall(101, 16, parent, 0, 0) == 0:  # ptrace(PTRACE_ATTACH)
        REACHED.append("ptrace")
    buf = ctypes.create_string_buffer(8)
    local = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
    remote = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
    if libc.syscall(310, parent, local, 1, remote, 1, 0) > 0:  # process_vm_readv
        REACHED.append("process_vm_readv")
"""

# The protocol's refusals, with the guard on: requests the test's process does not serve
# (its connection's hooks, private methods, the callbacks of another request).
PROTOCOL = """
REACHED = []

def attack(conn):
    link, handle = conn._link, conn._handle
    for message in (
        {"op": "sql", "h": handle, "m": "set_trace_callback", "a": [None]},
        {"op": "call", "h": handle, "m": "set_trace_callback", "a": [None]},
        {"op": "event", "h": handle, "m": "set_trace_callback", "a": [None]},
        {"op": "sql", "h": handle, "m": "create_function", "a": ["x", 1, None]},
        {"op": "call", "h": handle, "m": "__class__", "a": []},
        {"op": "sql", "h": -1, "m": "commit", "a": []},
        {"op": "sql", "h": 10**6, "m": "commit", "a": []},
        {"op": "call", "h": handle, "m": 7, "a": []},
        # the requests on any other object of the test's: not on its connection
        {"op": "invoke", "h": handle, "m": "set_trace_callback", "a": [None]},
        {"op": "invoke", "h": handle, "m": None, "a": ["SELECT 1"]},
        {"op": "get", "h": handle, "m": "total_changes", "a": []},
        {"op": "special", "h": handle, "m": "__iter__", "a": []},
        {"op": "invoke", "h": handle, "m": "__class__", "a": []},
    ):
        try:
            link.request(message)
        except Exception:
            continue
        if message["m"] != "commit":
            REACHED.append(message)
"""

# Killing the harness's process ends the run: no result is a failure, never a pass.
KILL = """
import os, signal
REACHED = []

def attack(conn):
    os.kill(os.getppid(), signal.SIGKILL)
"""


def graded(sandbox: SandboxRunner, attack: str) -> tuple[Verdict, list[str]]:
    source = attack + APP
    job = kernel_job(build_job(CHALLENGE, source, CHALLENGE.tests))
    result = grade(CHALLENGE, CHALLENGE.tests, sandbox.run(job, CHALLENGE.meta.limits))
    failed = [t.name for t in result.tests if t.status != "passed"]
    return result.verdict, failed


COUNTS = {
    "at most 2 statements for 3 authors",
    "the same statements for 2 and for 60 authors",
    "at most 2 statements for 150 authors without books",
    "at most 2 statements for 25 authors with 4 books each",
}


def test_every_performance_challenge_runs_its_tests_in_a_separate_process() -> None:
    for slug in (
        "fastapi-n-plus-one",
        "fastapi-missing-index",
        "fastapi-cache-aside",
        "fastapi-streaming-export",
    ):
        tests = load_challenge(CHALLENGES_DIR / slug).tests
        assert {t.process for t in tests} == {"separate"}, slug


def test_the_challenges_that_hand_over_test_objects_run_their_tests_in_a_separate_process() -> None:
    for slug in (
        "decorator-retry",
        "token-bucket",
        "circuit-breaker",
        "redis-cache-helper",
        "sql-injection-safe-lookup",
        "deep-copy",
        "missing-keys",
        "chunked-generator",
    ):
        tests = load_challenge(CHALLENGES_DIR / slug).tests
        assert {t.process for t in tests} == {"separate"}, slug


@pytest.mark.parametrize(("attack", "name"), [(KERNEL, "kernel"), (PROTOCOL, "protocol")])
def test_the_solution_cannot_reach_what_the_test_counts(
    sandbox: SandboxRunner, attack: str, name: str
) -> None:
    verdict, failed = graded(sandbox, attack)
    assert verdict == Verdict.WRONG_ANSWER, (name, failed)
    # The app ran (its JSON is right); the statement counts are what refused it.
    assert set(failed) >= COUNTS, failed
    assert "two authors and their books" not in failed


def test_killing_the_harness_is_a_failed_run(sandbox: SandboxRunner) -> None:
    verdict, failed = graded(sandbox, KILL)
    assert verdict not in (Verdict.ACCEPTED, Verdict.INTERNAL_ERROR)
    assert "two authors and their books" in failed


def test_call_and_property_tests_run_apart_with_the_verdicts_they_get_in_place(
    sandbox: SandboxRunner,
) -> None:
    from viva.grading.grader import resolved_tests

    palindrome = load_challenge(CHALLENGES_DIR / "palindrome")
    tests = resolved_tests(sandbox, palindrome)
    wrong = (CHALLENGES_DIR / "palindrome" / "wrong-lower.py").read_text("utf-8")
    for source, expected in (
        (palindrome.solution, Verdict.ACCEPTED),
        (wrong, Verdict.WRONG_ANSWER),
    ):
        job = build_job(palindrome, source, tests)
        assert {t["kind"] for t in job["tests"]} == {"call", "property"}
        for test in job["tests"]:
            test["process"] = "separate"
        result = grade(palindrome, tests, sandbox.run(job, palindrome.meta.limits))
        assert result.verdict == expected, (result.message, [t.message for t in result.tests])


def test_a_call_test_may_run_apart_and_an_http_test_may_not() -> None:
    from viva.grading.challenges import TestCase

    call = TestCase.model_validate(
        {"name": "c", "kind": "call", "call": "f", "process": "separate", "expected": 1}
    )
    assert call.job(0)["process"] == "separate"
    http = {"name": "h", "kind": "http", "process": "separate"}
    http["requests"] = [{"url": "/", "expect": {"status": 200}}]
    with pytest.raises(ValueError, match="an http test does not run in a separate process"):
        TestCase.model_validate(http)


# Mirrors (plain data kept alike in both processes): the solution's process may change only
# what it was handed, and under keys of its own. A message that defines a mirror under the
# harness's numbers, or changes one it was never given, ends the test as a failure of the
# solution's; the judge goes on (no Internal Error) and the next test gets a fresh process.
MIRROR_ATTACKS = {
    "a mirror under the harness's key": {"$defs": [[0, "list", []]]},
    "a change to a mirror never handed over": {"$sync": [[10**6, []]]},
    "a malformed mirror": {"$defs": [[1, "tuple", "not a list"]]},
}


@pytest.mark.parametrize("name", MIRROR_ATTACKS)
def test_a_forged_mirror_fails_the_test_not_the_judge(sandbox: SandboxRunner, name: str) -> None:
    """The forger sends its message on the link a proxy of the test's leads to: the function
    each decorator-retry test hands the solution's `retry` (token-bucket's clock, used here
    before, now crosses by value and leads to no link)."""
    from viva.grading.grader import grade_source

    bucket = load_challenge(CHALLENGES_DIR / "decorator-retry")
    forged = MIRROR_ATTACKS[name]
    source = (
        bucket.solution
        + f"""

_honest_retry = retry

def retry(*args, **kwargs):
    decorate = _honest_retry(*args, **kwargs)

    def forging(func):
        try:
            link = object.__getattribute__(func, "_link")  # the test's function: a proxy
        except AttributeError:
            link = None
        if link is not None:
            link.ask({{"op": "get", "h": 0, "m": "now", **{forged!r}}})
        return decorate(func)

    return forging
"""
    )
    result = grade_source(sandbox, bucket, source, visible_only=False)
    assert result.verdict == Verdict.RUNTIME_ERROR, (result.verdict, result.message)
    errors = [t.message for t in result.tests if t.status == "error"]
    assert errors, result.message
    assert [m for m in errors if "malformed values" not in m] == []
    reference = grade_source(sandbox, bucket, bucket.solution, visible_only=False)
    assert reference.verdict == Verdict.ACCEPTED, reference.message

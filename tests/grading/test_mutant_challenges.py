"""Test-writing challenges graded by hidden mutants, in the real sandbox: the reference tests
kill every mutant, the starter and trivial tests none, incomplete tests some; the report
never shows a mutant's code; the versions cannot be told apart except by behaviour."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from viva.cli import app as cli
from viva.grading.judge.outcome import Grade, Verdict
from viva.grading.mutants import CORRECT, REWRITES, MutantChallenge, grade_tests
from viva.grading.mutants import load_mutant_challenges as load
from viva.grading.sandbox.pool import SandboxRunner
from viva.settings import Settings

CHALLENGES = load()
FOLDERS = Path(__file__).resolve().parents[2] / "src" / "viva" / "content" / "challenges"
REQUIRED = {"tests-fastapi-routes", "tests-pydantic-model", "tests-retry-decorator"}
REQUIRED |= {"tests-sqlite-repository"}


def file_of(slug: str, name: str) -> str:
    return (FOLDERS / slug / name).read_text(encoding="utf-8")


def killed(g: Grade) -> list[str]:
    return [t.name for t in g.tests if t.name.startswith("killed: ")]


def survived(g: Grade) -> int:
    return sum(t.name.startswith("survived: ") for t in g.tests)


def mutant_lines(c: MutantChallenge) -> list[str]:
    """The lines each mutant adds to the module: none may appear in what a candidate sees."""
    lines = []
    for m in c.mutants:
        diff = difflib.unified_diff(c.module.splitlines(), m.source.splitlines(), lineterm="")
        lines += [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    return [line for line in lines if len(line) > 8 and line not in c.module]


def test_the_four_required_challenges_exist_with_mutants_rewrites_and_a_seed() -> None:
    assert set(CHALLENGES) >= REQUIRED
    for c in CHALLENGES.values():
        assert len(c.mutants) >= 5 and c.variants and c.meta.seed_question
        assert len({m.description for m in c.mutants}) == len(c.mutants)
        assert all(m.source != c.module for m in c.mutants)
        assert c.module.strip() in c.prompt  # the candidate reads the module under test


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_reference_tests_kill_every_mutant_and_are_accepted(
    slug: str, sandbox: SandboxRunner
) -> None:
    c = CHALLENGES[slug]
    g = grade_tests(sandbox, c, c.solution, visible_only=False)
    assert g.verdict == Verdict.ACCEPTED, (g.message, [(t.name, t.message) for t in g.tests])
    assert g.score == 1.0
    assert killed(g) == [f"killed: {m.description}" for m in c.mutants]
    assert survived(g) == 0
    assert f"killed {len(c.mutants)} of {len(c.mutants)} mutants; 0 survived" in g.message


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_starter_is_not_accepted(slug: str, sandbox: SandboxRunner) -> None:
    c = CHALLENGES[slug]
    g = grade_tests(sandbox, c, c.starter, visible_only=False)
    assert g.verdict == Verdict.WRONG_ANSWER and g.score == 0.0
    assert g.tests[0].name == CORRECT and not g.tests[0].passed
    assert "fail on the correct module" in g.tests[0].message


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_trivial_tests_kill_no_mutant_and_are_reported_as_such(
    slug: str, sandbox: SandboxRunner
) -> None:
    c = CHALLENGES[slug]
    g = grade_tests(sandbox, c, "def test_nothing():\n    assert True\n", visible_only=False)
    assert g.verdict == Verdict.WRONG_ANSWER and g.score == 0.0
    assert killed(g) == [] and survived(g) == len(c.mutants)
    assert "they pass on every mutant" in g.message


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_incomplete_tests_kill_some_mutants_but_not_all(slug: str, sandbox: SandboxRunner) -> None:
    c = CHALLENGES[slug]
    g = grade_tests(sandbox, c, file_of(slug, "partial-tests.py"), visible_only=False)
    assert g.verdict == Verdict.WRONG_ANSWER
    assert 0 < len(killed(g)) < len(c.mutants)
    assert g.score == pytest.approx(len(killed(g)) / len(c.mutants))
    assert survived(g) == len(c.mutants) - len(killed(g))
    public = json.dumps([t.public() for t in g.tests]) + g.message
    # survivors are counted, not named; no mutant's code is in anything shown
    descriptions = {m.description for m in c.mutants}
    named = {n.removeprefix("killed: ") for n in killed(g)}
    assert named < descriptions
    assert not any(d in public for d in descriptions - named)
    assert not [line for line in mutant_lines(c) if line in public]
    assert all(t.hidden for t in g.tests if t.name.startswith("survived: "))


def test_tests_that_fail_on_the_correct_module_score_nothing(sandbox: SandboxRunner) -> None:
    c = CHALLENGES["tests-retry-decorator"]
    source = (
        "from retrying import retry\n\ndef test_wrong():\n    assert retry()(lambda: 1)() == 2\n"
    )
    g = grade_tests(sandbox, c, source, visible_only=False)
    assert g.verdict == Verdict.WRONG_ANSWER and g.score == 0.0 and len(g.tests) == 1
    message = g.tests[0].message
    assert "1 of your tests fail on the correct module" in message
    # the line is shown unless the sandbox's guard refuses traceback frames
    assert (
        "test_wrong: line 4: AssertionError" in message or "test_wrong: AssertionError" in message
    )


def test_a_file_without_tests_or_with_a_syntax_error_is_reported(sandbox: SandboxRunner) -> None:
    c = CHALLENGES["tests-retry-decorator"]
    none = grade_tests(sandbox, c, "import retrying\n", visible_only=False)
    assert none.verdict == Verdict.WRONG_ANSWER and "no tests found" in none.tests[0].message
    broken = grade_tests(sandbox, c, "def test_x(:\n    pass\n", visible_only=False)
    assert broken.verdict == Verdict.SYNTAX_ERROR


def test_a_run_checks_the_tests_on_the_correct_module_only(sandbox: SandboxRunner) -> None:
    c = CHALLENGES["tests-retry-decorator"]
    g = grade_tests(sandbox, c, file_of(c.slug, "partial-tests.py"), visible_only=True)
    assert g.verdict == Verdict.ACCEPTED and [t.name for t in g.tests] == [CORRECT]
    assert "3 tests passed" in g.tests[0].message and killed(g) == []


def test_the_pytest_subset_parametrize_fixtures_monkeypatch_raises_and_tmp_path(
    sandbox: SandboxRunner,
) -> None:
    c = CHALLENGES["tests-retry-decorator"]
    source = """
import pytest
import retrying
from retrying import retry

@pytest.fixture
def calls():
    seen = []
    yield seen
    seen.clear()

@pytest.fixture
def counted(calls):
    def f():
        calls.append(1)
        raise ValueError("x")
    return f

@pytest.mark.parametrize("times, sleeps", [(1, 0), (3, 2)])
def test_counts(times, sleeps, counted, calls, monkeypatch):
    waited = []
    monkeypatch.setattr(retrying.time, "sleep", None)  # undone after the test
    with pytest.raises(ValueError, match="^x$"):
        retry(times=times, sleep=waited.append)(counted)()
    assert (len(calls), len(waited)) == (times, sleeps)
    assert waited == pytest.approx([0.1, 0.2][:sleeps])

class TestZero:
    def test_refused(self, tmp_path):
        (tmp_path / "f").write_text("ok")
        with pytest.raises(ValueError):
            retry(times=0)

def test_monkeypatch_was_undone():
    assert retrying.time.sleep is not None

@pytest.mark.skip
def test_skipped():
    assert False
"""
    g = grade_tests(sandbox, c, source, visible_only=False)
    assert g.tests[0].passed, g.tests[0].message
    assert "4 tests passed" in g.tests[0].message
    assert {n.removeprefix("killed: ") for n in killed(g)} == {
        "makes one attempt fewer than `times`",
        "sleeps once more after the last failed attempt",
        "accepts times=0 without a ValueError",
        "waits the same delay every time instead of doubling it",
        "returns None when every attempt failed instead of raising",
    }


def test_versions_have_the_same_file_name_and_no_source_to_read(sandbox: SandboxRunner) -> None:
    """Every version is installed alike: tests asserting so pass on all of them (kill none)."""
    c = CHALLENGES["tests-retry-decorator"]
    source = """
import inspect, linecache, os, sys
import pytest
import retrying

def test_installed_alike():
    assert retrying.__file__ == "retrying.py" and retrying.__name__ == "retrying"
    try:
        assert retrying.retry.__code__.co_filename == "retrying.py"
    except RuntimeError:  # code objects may be refused to graded code by the sandbox's guard
        pass
    with pytest.raises(OSError):
        inspect.getsource(retrying)
    with pytest.raises(OSError):
        inspect.getsource(retrying.retry)
    assert linecache.getlines("retrying.py") == []
    assert not os.path.exists("retrying.py") and not os.path.exists("/tmp/retrying.py")

def test_nothing_left_in_the_job():
    import gc
    try:
        objects = gc.get_objects()
    except Exception:  # refused by the sandbox's guard: nothing to look at, then
        return
    texts = [o for o in objects if isinstance(o, dict) and "module_source" in o]
    assert texts == []
"""
    g = grade_tests(sandbox, c, source, visible_only=False)
    assert g.tests[0].passed, g.tests[0].message
    assert g.tests[1].name == REWRITES and g.tests[1].passed
    assert killed(g) == []


def test_fingerprinting_the_code_fails_on_a_correct_rewrite(sandbox: SandboxRunner) -> None:
    """The attack: learn the correct module's bytecode hash through a Run's failure message,
    then pass only when the hash matches. It passes on the module and fails on every mutant,
    but the hidden rewrites are correct too: such tests score nothing."""
    c = CHALLENGES["tests-retry-decorator"]
    fingerprint = """
import hashlib
import retrying

def fingerprint():
    h = hashlib.sha256()
    h.update(repr((retrying.retry.__doc__, retrying.retry().__qualname__)).encode())
    try:
        todo = [retrying.retry.__code__]
    except RuntimeError:  # code objects may be refused by the sandbox's guard
        todo = []
    while todo:
        code = todo.pop()
        h.update(code.co_code + repr(code.co_names).encode() + str(code.co_firstlineno).encode())
        todo += [k for k in code.co_consts if hasattr(k, "co_code")]
    return h.hexdigest()
"""
    probe = fingerprint + "\ndef test_leak():\n    assert False, fingerprint()\n"
    leaked = grade_tests(sandbox, c, probe, visible_only=True).tests[0].message
    digest = leaked.rsplit("AssertionError: ", 1)[1].split()[0]
    assert len(digest) == 64
    attack = fingerprint + f"\ndef test_same():\n    assert fingerprint() == {digest!r}\n"
    g = grade_tests(sandbox, c, attack, visible_only=False)
    assert g.tests[0].passed  # it does pass on the module it saw
    assert g.verdict == Verdict.WRONG_ANSWER and g.score == 0.0
    assert not g.tests[1].passed and "depend on how the module is written" in g.message
    assert killed(g) == []


# Through the API, the pages and the CLI ---------------------------------------------------

PYDANTIC = CHALLENGES["tests-pydantic-model"]


async def test_api_lists_shows_runs_and_grades_a_test_writing_challenge(
    client: httpx.AsyncClient,
) -> None:
    listing = (await client.get("/api/v1/challenges")).json()
    kinds = {c["slug"]: c["kind"] for c in listing}
    assert all(kinds[slug] == "tests" for slug in REQUIRED)
    detail = (await client.get(f"/api/v1/challenges/{PYDANTIC.slug}")).json()
    assert detail["module_source"] == PYDANTIC.module and detail["module_name"] == "signup"
    assert detail["hidden_tests"] == len(PYDANTIC.mutants) and detail["threshold"] == 0.85
    shown = json.dumps(detail)
    assert not any(m.description in shown for m in PYDANTIC.mutants)
    assert not [line for line in mutant_lines(PYDANTIC) if line in shown]

    run = await client.post(
        f"/api/v1/challenges/{PYDANTIC.slug}/run",
        headers=client.candidate,
        json={"source": PYDANTIC.solution},
    )
    assert run.status_code == 200 and run.json()["verdict"] == "Accepted"
    assert [t["name"] for t in run.json()["tests"]] == [CORRECT]

    good = await client.post(
        f"/api/v1/challenges/{PYDANTIC.slug}/submissions?wait=true",
        headers=client.candidate,
        json={"source": PYDANTIC.solution},
    )
    assert good.status_code == 201
    body = good.json()
    assert (body["verdict"], body["score"]) == ("Accepted", 1.0)
    assert [t["name"] for t in body["tests"] if t["name"].startswith("killed: ")] == [
        f"killed: {m.description}" for m in PYDANTIC.mutants
    ]

    partial = await client.post(
        f"/api/v1/challenges/{PYDANTIC.slug}/submissions?wait=true",
        headers=client.candidate,
        json={"source": file_of(PYDANTIC.slug, "partial-tests.py")},
    )
    body = partial.json()
    assert body["verdict"] == "Wrong Answer" and 0 < body["score"] < 1
    survivors = [t for t in body["tests"] if t["name"].startswith("survived: ")]
    assert survivors and all(t["hidden"] and not t["passed"] for t in survivors)
    assert f"{len(survivors)} survived" in body["message"]
    polled = (await client.get(partial.headers["location"], headers=client.candidate)).json()
    assert polled["tests"] == body["tests"]


async def test_pages_list_the_kind_and_show_the_module_and_mutant_count(
    client: httpx.AsyncClient,
) -> None:
    listing = await client.get("/challenges", params={"kind": "tests"})
    assert listing.status_code == 200
    assert all(f"/challenges/{slug}" in listing.text for slug in REQUIRED)
    assert "/challenges/palindrome" not in listing.text
    page = await client.get(f"/challenges/{PYDANTIC.slug}")
    assert page.status_code == 200
    assert f"{len(PYDANTIC.mutants)} hidden mutants" in page.text
    assert "test_signup.py" in page.text and "field_validator" in page.text
    assert not any(m.description in page.text for m in PYDANTIC.mutants)


@pytest.fixture
def cli_env(settings: Settings, database: object, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("VIVA_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIVA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VIVA_SANDBOX_UID_BASE", str(settings.sandbox_uid_base))
    monkeypatch.delenv("VIVA_SECRET_KEY", raising=False)
    monkeypatch.delenv("VIVA_REDIS_URL", raising=False)
    return settings


def test_cli_submits_tests_and_prints_killed_mutants(cli_env: Settings, tmp_path: Path) -> None:
    tests = tmp_path / "test_signup.py"
    tests.write_text(file_of(PYDANTIC.slug, "partial-tests.py"))
    result = CliRunner().invoke(cli, ["challenge", "submit", PYDANTIC.slug, str(tests)])
    out = " ".join(result.output.split())
    assert result.exit_code == 2, out
    assert "Wrong Answer" in out and "killed:" in out and "(hidden)" in out
    assert "survived" in out
    shown = CliRunner().invoke(cli, ["challenge", "show", PYDANTIC.slug])
    assert shown.exit_code == 0 and "7 hidden mutants" in " ".join(shown.output.split())


# A red team's forger (2026-12-04): it checks no behaviour; it fails only where the module's
# compiled code differs from the one shown while its docstrings are the shown ones, which
# is what a small mutant looks like (a rewrite had docstrings of its own).
FORGER = """
import importlib, types
target = importlib.import_module(%(name)r)
SHOWN = %(src)r

KINDS = (types.FunctionType, staticmethod, classmethod, property)

def _print(obj, seen=None):
    if isinstance(obj, types.CodeType):
        return (obj.co_code, obj.co_names, tuple(_print(k) for k in obj.co_consts))
    if isinstance(obj, (types.FunctionType, types.MethodType)):
        return _print(obj.__code__)
    if isinstance(obj, type):
        return tuple(sorted((k, _print(v)) for k, v in vars(obj).items()
                            if isinstance(v, KINDS) or k == "__doc__"))
    if isinstance(obj, (staticmethod, classmethod)):
        return _print(obj.__func__)
    if isinstance(obj, property):
        return tuple(_print(f) for f in (obj.fget, obj.fset, obj.fdel) if f)
    return repr(obj)

def _own(ns, modname):
    return {k: v for k, v in ns.items() if not k.startswith("__")
            and getattr(v, "__module__", None) in (modname, "shown")}

def test_the_module_is_the_one_i_was_shown():
    shown = {"__name__": "shown"}
    exec(compile(SHOWN, "shown.py", "exec"), shown)
    mine = _own(shown, "shown")
    theirs = _own(vars(target), target.__name__)
    same_doc = target.__doc__ == shown.get("__doc__") and all(
        getattr(theirs.get(k), "__doc__", None) == getattr(v, "__doc__", None)
        for k, v in mine.items())
    same_code = sorted(mine) == sorted(theirs) and all(
        _print(mine[k]) == _print(theirs[k]) for k in mine)
    assert same_code or not same_doc
"""


@pytest.mark.parametrize("slug", sorted(CHALLENGES))
def test_tests_that_only_compare_the_code_with_the_shown_module_are_not_accepted(
    slug: str, sandbox: SandboxRunner
) -> None:
    """Each challenge has a correct rewrite with the shown docstrings and small equivalent
    edits (variants/small-edits.py, or a rewrite with edits of its own): such tests fail on
    it. Before, they were Accepted with every mutant killed on tests-retry-decorator and
    tests-sqlite-repository."""
    c = CHALLENGES[slug]
    forged = FORGER % {"name": c.meta.module, "src": c.module}
    g = grade_tests(sandbox, c, forged, visible_only=False)
    assert g.verdict == Verdict.WRONG_ANSWER, (g.verdict, g.message)
    assert "written differently" in g.message

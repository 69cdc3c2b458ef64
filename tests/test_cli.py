"""The `viva` command against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from viva.cli import app
from viva.db import Database
from viva.settings import Settings

DATA = Path(__file__).parent / "bank" / "data"
runner = CliRunner()


@pytest.fixture
def env(settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("VIVA_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("VIVA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("VIVA_SANDBOX_UID_BASE", str(settings.sandbox_uid_base))
    monkeypatch.delenv("VIVA_SECRET_KEY", raising=False)
    monkeypatch.delenv("VIVA_REDIS_URL", raising=False)
    return settings


def viva(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_import_reports_and_is_idempotent(env: Settings, unique: str) -> None:
    code, out = viva("import", str(DATA / "q_numbering_emoji_crlf.md"), "--track", f"cli-{unique}")
    assert code == 0, out
    assert "4 questions in 2 categories" in out and "4 new" in out
    assert "warning: line 14" in out
    code, out = viva("import", str(DATA / "q_numbering_emoji_crlf.md"), "--track", f"cli-{unique}")
    assert code == 0 and "0 new, 0 updated, 4 unchanged, 0 removed" in out


def test_an_import_from_the_cli_is_audited_as_the_api_audits_it(env: Settings, unique: str) -> None:
    from sqlalchemy import select

    from tests.conftest import run_async
    from viva.accounts.models import AuditEntry

    code, out = viva("import", str(DATA / "q_numbering_emoji_crlf.md"), "--track", f"aud-{unique}")
    assert code == 0, out

    async def entries() -> list[tuple[int | None, str, dict[str, object]]]:
        database = Database(env.effective_database_url)
        try:
            async with database.session() as session:
                rows = await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "track.import")
                )
                return [(e.actor_id, e.target, e.detail) for e in rows]
        finally:
            await database.dispose()

    assert run_async(entries()) == [
        (None, f"aud-{unique}", {"summary": "4 questions in 2 categories"})
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"\x00\x00binary", "binary"), (b"hello\n", "no numbered questions")],
)
def test_import_of_bad_files_fails_cleanly(
    env: Settings, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    code, out = viva("import", str(bad))
    assert code == 1 and "error:" in out and message in out
    assert "Traceback" not in out


def test_import_of_a_missing_file(env: Settings) -> None:
    code, out = viva("import", "/nonexistent/list.md")
    assert code == 1 and "no such file" in out


def test_questions_list_and_search(env: Settings) -> None:
    code, out = viva("questions", "list", "--search", "GIL")
    assert code == 0 and "Global Interpreter Lock" in out and "1 question" in out
    code, out = viva("questions", "list", "--category", "redis-and-caching")
    assert code == 0 and "10 questions" in out


def test_questions_show_with_answer(env: Settings) -> None:
    code, out = viva("questions", "show", "8", "--answer")
    assert code == 0 and "palindrome" in out and "Key points" in out
    code, out = viva("questions", "show", "999")
    assert code == 1 and "no question number 999" in out


def test_export_formats(env: Settings, tmp_path: Path) -> None:
    code, out = viva("export", "--format", "md")
    assert code == 0 and out.startswith("# Python Developer (FastAPI + SQL)")
    target = tmp_path / "track.json"
    code, _ = viva("export", "--format", "json", "-o", str(target))
    assert code == 0
    data = json.loads(target.read_text())
    assert sum(len(c["questions"]) for c in data["categories"]) == 100
    code, out = viva("export", "--format", "anki-tsv")
    assert code == 0 and out.startswith("#separator:tab")


def test_config_masks_secrets_and_persists_a_generated_key(
    env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIVA_DATABASE_URL", "postgresql+asyncpg://viva:hunter2@db.example/viva")
    code, out = viva("config")
    assert code == 0
    assert "hunter2" not in out and "viva:********@db.example" in out
    key_file = env.data_dir / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 48 and key not in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    viva("config")
    assert key_file.read_text() == key  # generated once, then reused


def test_doctor_reports_a_working_sandbox(env: Settings) -> None:
    code, out = viva("doctor")
    assert code == 0, out
    assert "ok bubblewrap" in out and "sandbox starts" in out


def test_challenge_submit_grades_in_the_sandbox(env: Settings, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def is_palindrome(text):\n    return text == text[::-1]\n")
    code, out = viva("challenge", "submit", "palindrome", str(wrong))
    assert code == 2 and "Wrong Answer" in out and "(hidden)" in out
    code, out = viva("challenge", "list")
    assert code == 0 and "palindrome" in out


def test_users_create_link_and_progress(env: Settings) -> None:
    code, out = viva(
        "users", "create", "Casey", "--role", "interviewer", "--password", "long enough pw"
    )
    assert code == 0 and "created casey (interviewer)" in out
    code, out = viva("users", "create", "casey", "--password", "long enough pw")
    assert code == 1 and "taken" in out
    code, out = viva("users", "link", "casey")
    assert code == 0 and "/auth/link/" in out
    code, out = viva("progress", "--user", "casey")
    assert code == 0 and "0/0 challenges solved" in out


def test_authored_challenges_reach_the_cli(env: Settings, tmp_path: Path) -> None:
    from tests.conftest import run_async
    from tests.grading.test_authored import SOLUTION, body
    from viva.grading.models import AuthoredChallenge

    data = body()

    async def store() -> None:  # as `POST /api/v1/challenges` stores it
        database = Database(env.effective_database_url)
        try:
            async with database.session() as session:
                session.add(
                    AuthoredChallenge(
                        slug=data["slug"],
                        meta={"title": data["title"], "kind": "function", "difficulty": "easy"},
                        tests=data["tests"],
                        prompt=data["prompt"],
                        starter=data["starter"],
                        solution=SOLUTION,
                    )
                )
        finally:
            await database.dispose()

    run_async(store())
    code, out = viva("challenge", "list")
    assert code == 0 and data["slug"] in out
    code, out = viva("challenge", "show", data["slug"])
    assert code == 0 and "2 hidden tests" in out
    good = tmp_path / "clamp.py"
    good.write_text(SOLUTION)
    code, out = viva("challenge", "submit", data["slug"], str(good))
    assert code == 0 and "Accepted" in out


def test_challenge_submit_shows_candidate_text_inert(env: Settings, tmp_path: Path) -> None:
    """A program's text reaches the terminal as text: no ANSI escape, no rich markup, so
    nothing it contains can look like a green Accepted. (On Submit nothing the program
    produced is shown; a syntax error quotes the candidate's own line.)"""
    fake = "\x1b[32mAccepted\x1b[0m [green]Accepted[/green]"
    tricky = tmp_path / "tricky.py"
    tricky.write_text(f"def is_palindrome(text):\n    return 1 +  # {fake}\n")  # a real ESC
    result = runner.invoke(app, ["challenge", "submit", "palindrome", str(tricky)])
    assert result.exit_code == 2, result.output
    assert "\x1b" not in result.output
    assert "[green]Accepted[/green]" in result.output  # shown, not obeyed
    assert "\\x1b[32mAccepted\\x1b[0m" in result.output  # the escape, made visible
    assert "Syntax Error" in result.output


def test_challenge_submit_whose_grading_fails_stores_internal_error(
    env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No PostgreSQL for SQL grading: the submission is stored as Internal Error, not left
    queued, and the command fails cleanly."""
    from sqlalchemy import select

    from tests.conftest import run_async
    from viva.grading.models import Submission

    monkeypatch.delenv("VIVA_SQL_POSTGRES_URL", raising=False)
    query = tmp_path / "q.sql"
    query.write_text("SELECT 1;\n")
    code, out = viva("challenge", "submit", "sql-joins", str(query), "--dialect", "postgres")
    assert code == 1 and "error:" in out and "Traceback" not in out

    async def stored() -> list[tuple[str, str | None]]:
        database = Database(env.effective_database_url)
        try:
            async with database.session() as session:
                rows = await session.scalars(
                    select(Submission).where(Submission.challenge == "sql-joins")
                )
                return [(r.status, r.verdict) for r in rows]
        finally:
            await database.dispose()

    assert run_async(stored()) == [("done", "Internal Error")]

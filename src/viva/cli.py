"""The `viva` command (typer + rich). Thin: it parses arguments and calls services."""

from __future__ import annotations

import asyncio
import json
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from fsrs import Rating
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import service as accounts
from viva.bank import service as bank
from viva.bank.repository import QuestionFilter
from viva.bank.schemas import QuestionDetail
from viva.db import Database, upgrade
from viva.errors import VivaError
from viva.infra.cache import build_cache
from viva.practice import review
from viva.practice.matcher import PointMatch, coverage
from viva.settings import Settings

app = typer.Typer(help="Viva: self-hosted interview practice and assessment.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
questions_app = typer.Typer(help="Browse the question bank.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(questions_app, name="questions")
challenge_app = typer.Typer(help="Auto-graded coding challenges.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(challenge_app, name="challenge")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one unit of work on the configured database; VivaErrors become clean CLI errors."""
    settings = Settings()

    async def main() -> T:
        database = Database(settings.effective_database_url)
        try:
            async with database.session() as session:
                return await work(session)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except VivaError as exc:
        raise _fail(exc.detail) from None


def _ensure_schema(settings: Settings) -> None:
    """The embedded SQLite database migrates itself; a server database needs `viva db upgrade`."""
    if settings.is_sqlite:
        upgrade(settings.effective_database_url)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (VIVA_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (VIVA_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (VIVA_WORKERS)")] = None,
) -> None:
    """Serve Viva (migrates the embedded database and loads the built-in track first)."""
    import uvicorn

    from viva.app import prepare_database

    settings = Settings()
    asyncio.run(prepare_database(settings, migrate=settings.is_sqlite))
    host, port = host or settings.host, port or settings.port
    if host in ("127.0.0.1", "localhost", "::1") and _run(accounts.count_users) == 0:
        # Local mode: one person on their own machine gets an admin and a one-time link.
        token = _run(_first_admin)
        console.print(
            f"[bold]Sign in:[/] http://{host}:{port}/auth/link/{token}  (one use, 15 minutes)"
        )
    database = settings.masked()["database_url"]
    console.print(f"[bold green]Viva[/] on http://{host}:{port}  (database: {database})")
    from viva.grading.service import grading_unavailable

    unavailable = grading_unavailable(settings)
    if unavailable:
        err.print(f"[bold red]Grading is unavailable:[/] {escape(unavailable)}")
    if settings.sandbox == "none":
        err.print(
            "[bold yellow]warning:[/] VIVA_SANDBOX=none — submitted code runs WITHOUT "
            "isolation. Use this only for trusted, single-user practice."
        )
    uvicorn.run(
        "viva.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )


async def _first_admin(session: AsyncSession) -> str:
    admin = await accounts.create_user(session, username="admin", password=None, role="admin")
    return await accounts.create_login_link(session, user=admin)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="3-40 characters: a-z 0-9 _ . -")],
    role: Annotated[str, typer.Option(help="candidate, interviewer or admin")] = "candidate",
    password: Annotated[str | None, typer.Option(help="at least 10 characters (prompted)")] = None,
) -> None:
    """Create a user on a server."""
    _ensure_schema(Settings())
    secret = password or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = _run(lambda s: accounts.create_user(s, username=username, password=secret, role=role))
    console.print(f"created [bold]{user.username}[/] ({user.role})")


@users_app.command("link")
def users_link(
    username: Annotated[str, typer.Argument(help="The user to sign in")],
) -> None:
    """Print a one-time sign-in link for a user (valid 15 minutes)."""
    settings = Settings()
    _ensure_schema(settings)

    async def make(session: AsyncSession) -> str:
        user = await accounts.require_user_named(session, username=username)
        return await accounts.create_login_link(session, user=user)

    token = _run(make)
    console.print(f"http://{settings.host}:{settings.port}/auth/link/{token}")


@app.command()
def progress(
    username: Annotated[str, typer.Option("--user", help="Whose progress")] = "admin",
) -> None:
    """Your progress in the terminal: solved challenges, accuracy, streak, by category."""
    from viva.accounts.progress import progress as compute

    _ensure_schema(Settings())

    async def load(session: AsyncSession) -> Any:
        user = await accounts.require_user_named(session, username=username)
        return await compute(session, user_id=user.id)

    p = _run(load)
    console.print(
        f"[bold]{username}[/]: {p.solved}/{p.attempted} challenges solved, "
        f"{p.submissions} submissions, accuracy {p.accuracy:.0%}, streak {p.streak_days} "
        f"day(s), {p.reveals} answers revealed"
    )
    table = Table("category", "solved", "attempted", "accuracy")
    for c in p.categories:
        table.add_row(c.category, str(c.solved), str(c.attempted), f"{c.accuracy:.0%}")
    console.print(table)


RATING_PROMPT = "[1] Again [2] Hard [3] Good [4] Easy [q] quit"


def _due_in(delta: timedelta) -> str:
    """'10 minutes', '3 days': how long until a card comes due, rounded to one unit."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "less than a minute"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")  # pragma: no cover


def _read_answer() -> str:
    """Lines until an empty one; an empty first line means the answer is given out loud."""
    console.print(
        "Your answer (empty line to finish; Enter on the first line to answer out loud and "
        "skip typing)"
    )
    lines: list[str] = []
    while line := typer.prompt("", default="", show_default=False, prompt_suffix="> "):
        lines.append(line)
    return "\n".join(lines).strip()


def _read_rating() -> Rating | None:
    """A rating, or None to quit."""
    while True:
        choice = typer.prompt(RATING_PROMPT).strip().lower()
        if choice in ("q", "quit"):
            return None
        try:
            return review.parse_rating(choice)
        except VivaError as exc:
            err.print(f"[yellow]{exc.detail}[/]")


def _show_matches(matches: list[PointMatch]) -> None:
    if not matches:
        console.print("[italic]No key points to compare with yet.[/]")
        return
    table = Table("", "key point", "matched terms", title="Your answer against the key points")
    for m in matches:
        mark = "[green]✓[/]" if m.covered else "[red]✗[/]"
        table.add_row(mark, m.point, ", ".join(m.matched) or "—")
    console.print(table)
    covered = sum(m.covered for m in matches)
    console.print(f"covered {covered}/{len(matches)} key points")


def _show_model_answer(q: QuestionDetail) -> None:
    console.rule("Model answer")
    if q.answer is None:
        console.print("[italic]The model answer is not written yet.[/]")
        return
    console.print(Markdown(f"**{q.answer.summary}**"))
    console.print(Markdown("### Key points\n" + "\n".join(f"- {p}" for p in q.answer.key_points)))


@app.command()
def practice(
    username: Annotated[str, typer.Option("--user", help="Whose reviews")] = "admin",
    track: Annotated[str, typer.Option(help="Track slug")] = bank.BUILTIN_TRACK,
    limit: Annotated[int, typer.Option(min=1, help="At most this many cards")] = 20,
) -> None:
    """Review due and new questions: answer, compare with the key points, rate yourself."""
    settings = Settings()
    _ensure_schema(settings)
    tally: Counter[str] = Counter()

    async def main() -> None:
        database = Database(settings.effective_database_url)
        try:
            async with database.session() as session:
                user = await accounts.require_user_named(session, username=username)
                user_id, deck = user.id, await bank.require_track(session, slug=track)
                entries, total = await review.queue(
                    session, user_id=user_id, track=deck, at=accounts.now(), limit=limit
                )
            due = sum(entry.card is not None for entry in entries)
            more = f" ({total - len(entries)} more after these)" if total > len(entries) else ""
            console.print(f"[bold]{due} due, {len(entries) - due} new[/]{more}")
            for entry in entries:
                # One unit of work per card: quitting keeps every rating already given.
                async with database.session() as session:
                    q = await bank.get_question(session, question_id=entry.question.id)
                shown = time.monotonic()
                console.print(
                    Panel(
                        q.text,
                        title=f"Q{q.number} · {q.category.title}",
                        subtitle=f"{q.kind} · {q.difficulty}",
                    )
                )
                try:
                    text = _read_answer()
                    matches: list[PointMatch] = []
                    if text:
                        async with database.session() as session:
                            _, matches = await review.check_answer(
                                session, question_id=q.id, text=text
                            )
                        _show_matches(matches)
                    _show_model_answer(q)
                    rating = _read_rating()
                except typer.Abort:  # end of input or Ctrl-C at a prompt: stop like "q"
                    rating = None
                if rating is None:
                    break
                at = accounts.now()
                async with database.session() as session:
                    card = await review.rate(
                        session,
                        user_id=user_id,
                        question_id=q.id,
                        rating=rating,
                        source="review",
                        coverage=coverage(matches) if matches else None,
                        duration_ms=round((time.monotonic() - shown) * 1000),
                        at=at,
                        fuzz=settings.review_fuzzing,
                    )
                tally[review.RATING_NAMES[int(rating)]] += 1
                console.print(f"{rating.name}: due in {_due_in(card.due - at)}")
            async with database.session() as session:
                at = accounts.now()
                _, left = await review.queue(session, user_id=user_id, track=deck, at=at, limit=1)
                upcoming = await review.next_due(session, user_id=user_id, track=deck)
        finally:
            await database.dispose()
        reviewed = sum(tally.values())
        by_rating = ", ".join(f"{tally[name]} {name}" for name in review.RATINGS if tally[name])
        console.print(f"[bold]reviewed {reviewed}[/]" + (f": {by_rating}" if by_rating else ""))
        if left:
            console.print(f"{left} still due or new")
        elif upcoming is None:
            console.print("nothing due — no cards in this track yet")
        else:
            console.print(f"nothing due — next card due in {_due_in(upcoming - at)}")

    try:
        asyncio.run(main())
    except VivaError as exc:
        raise _fail(exc.detail) from None


@app.command("config")
def show_config() -> None:
    """Print the effective settings, secrets masked."""
    settings = Settings()
    settings.effective_secret_key  # noqa: B018  (generate and persist it on first run)
    table = Table("setting", "value", title="Effective settings (VIVA_*)")
    for key, value in settings.masked().items():
        table.add_row(key, json.dumps(value) if not isinstance(value, str) else value)
    console.print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations and load the built-in track."""
    from viva.app import prepare_database

    settings = Settings()
    asyncio.run(prepare_database(settings, migrate=True))
    console.print("[green]database is up to date[/]")


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="Markdown question list, Viva JSON export or Anki TSV deck")
    ],
    track: Annotated[str | None, typer.Option(help="Track slug to import into")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show what would be imported and write nothing (no database)"
        ),
    ] = False,
    no_answers: Annotated[
        bool, typer.Option("--no-answers", help="Leave the file's answers out")
    ] = False,
) -> None:
    """Import a question list; importing the same file twice changes nothing."""
    settings = Settings()
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    if file.stat().st_size > settings.max_import_bytes:
        raise _fail(f"{file}: {file.stat().st_size / 1_048_576:.1f} MB is over the 5 MB limit")
    data = file.read_bytes()
    if dry_run:
        _import_preview(data, file.name, track, settings, answers=not no_answers)
        return
    _ensure_schema(settings)
    with Progress(
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = _run(
            lambda s: bank.import_file(
                s,
                data=data,
                filename=file.name,
                track_slug=track,
                max_bytes=settings.max_import_bytes,
                answers=not no_answers,
                progress=progress,
            )
        )
    asyncio.run(_invalidate(settings))
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    console.print(
        f"[bold green]{report.summary}[/] into track [bold]{report.track}[/] "
        f"({report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed; {report.answers} answers)"
    )


def _import_preview(
    data: bytes, filename: str, track: str | None, settings: Settings, *, answers: bool
) -> None:
    """`viva import --dry-run`: parse only; neither the database nor the file is touched."""
    try:
        preview = asyncio.run(
            bank.preview_file(
                None,
                data=data,
                filename=filename,
                track_slug=track,
                max_bytes=settings.max_import_bytes,
                answers=answers,
            )
        )
    except VivaError as exc:
        raise _fail(exc.detail) from None
    table = Table("category", "questions", "answers", title=f"Dry run: {preview.title}")
    for cat in preview.categories:
        table.add_row(escape(cat.title), str(cat.questions), str(cat.answers))
    console.print(table)
    console.print(
        f"[bold]{preview.summary}[/] into track [bold]{preview.track}[/]; "
        f"{preview.answers} answers found"
    )
    console.print("first questions:")
    for line in preview.sample:
        console.print(f"  {escape(line)}", highlight=False)
    for warning in preview.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    if preview.looks_wrong:
        err.print("[bold yellow]this result looks wrong: check the warnings before importing[/]")
    console.print("[dim]dry run: nothing was written[/]")


async def _invalidate(settings: Settings) -> None:
    cache = build_cache(
        redis_url=settings.redis_url, ttl=settings.cache_ttl_seconds, prefix=settings.cache_prefix
    )
    try:
        await cache.invalidate()
    finally:
        await cache.close()


@app.command()
def export(
    track: Annotated[str, typer.Option(help="Track slug")] = bank.BUILTIN_TRACK,
    format: Annotated[str, typer.Option("--format", "-f", help="md, json or anki-tsv")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout)")
    ] = None,
) -> None:
    """Export a track as Markdown, JSON or an Anki-importable TSV."""
    _ensure_schema(Settings())
    content, _, _ = _run(lambda s: bank.export_track(s, slug=track, fmt=format))
    if output:
        output.write_text(content, encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(content)


@questions_app.command("list")
def questions_list(
    track: Annotated[str, typer.Option(help="Track slug")] = bank.BUILTIN_TRACK,
    category: Annotated[str | None, typer.Option(help="Category slug")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Full-text search")] = None,
    kind: Annotated[str | None, typer.Option(help="theory, coding, sql, scenario, design")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium, hard")] = None,
    limit: Annotated[int, typer.Option(help="At most this many")] = 100,
) -> None:
    """List questions, filtered and searched."""
    _ensure_schema(Settings())
    filters = QuestionFilter(track, category, kind, difficulty, None, search)
    items, more = _run(lambda s: bank.list_questions(s, filters=filters, after=None, limit=limit))
    table = Table("#", "question", "category", "kind", "difficulty", show_lines=False)
    for q in items:
        table.add_row(str(q.number), q.text, q.category.title, q.kind, q.difficulty)
    console.print(table)
    console.print(
        f"{len(items)} question{'s' if len(items) != 1 else ''}"
        + (" (more: raise --limit)" if more else "")
    )


@questions_app.command("show")
def questions_show(
    number: Annotated[int, typer.Argument(help="Question number in the track")],
    track: Annotated[str, typer.Option(help="Track slug")] = bank.BUILTIN_TRACK,
    answer: Annotated[
        bool, typer.Option("--answer", "-a", help="Also print the model answer")
    ] = False,
) -> None:
    """Show one question (and its model answer with --answer)."""
    _ensure_schema(Settings())
    q = _run(lambda s: bank.get_question_by_number(s, track_slug=track, number=number))
    console.print(
        Panel(
            q.text, title=f"Q{q.number} · {q.category.title}", subtitle=f"{q.kind} · {q.difficulty}"
        )
    )
    if not answer:
        return
    if q.answer is None:
        console.print("[italic]The model answer is not written yet.[/]")
        return
    a = q.answer
    console.print(Markdown(f"**{a.summary}**"))
    console.print(Markdown("### Key points\n" + "\n".join(f"- {p}" for p in a.key_points)))
    console.print(Markdown(a.explanation))
    if a.pitfalls:
        console.print(Markdown("### Pitfalls\n" + "\n".join(f"- {p}" for p in a.pitfalls)))
    if a.follow_ups:
        console.print(Markdown("### Follow-ups\n" + "\n".join(f"- {p}" for p in a.follow_ups)))


def _load_authored() -> None:
    """Challenges interviewers wrote live in the database; load them beside the shipped ones."""
    from viva.grading import authored

    _ensure_schema(Settings())
    _run(authored.refresh)


@challenge_app.command("list")
def challenge_list() -> None:
    """List the challenges."""
    from viva.grading import service as grading

    _load_authored()
    table = Table("challenge", "title", "seed Q", "kind", "difficulty")
    for c in grading.list_challenges():
        table.add_row(c.slug, c.title, str(c.seed_question or ""), c.kind, c.difficulty)
    console.print(table)


@challenge_app.command("show")
def challenge_show(slug: Annotated[str, typer.Argument(help="Challenge slug")]) -> None:
    """Show a challenge: prompt, examples and starter code."""
    from viva.grading import service as grading

    _load_authored()
    try:
        c = grading.challenge_detail(slug)
    except VivaError as exc:
        raise _fail(exc.detail) from None
    title = inert(f"{c.title} · {c.kind} · {c.difficulty}")
    console.print(Panel(Markdown(no_controls(c.prompt)), title=title))
    for example in c.examples:
        console.print(
            f"[bold]{inert(example.name)}[/]\n{inert(example.input)}\n"
            f"  → {inert(json.dumps(example.expected))}"
        )
    console.print(f"\n{c.hidden_tests} hidden tests. Starter code:\n")
    console.print(inert(c.starter))


@challenge_app.command("submit")
def challenge_submit(
    slug: Annotated[str, typer.Argument(help="Challenge slug")],
    file: Annotated[Path, typer.Argument(help="Your solution.py, or solution.sql")],
    dialect: Annotated[str | None, typer.Option(help="SQL challenges: sqlite or postgres")] = None,
    run_only: Annotated[
        bool, typer.Option("--run", help="Visible examples only, not recorded")
    ] = False,
) -> None:
    """Grade a solution (Python in the sandbox, SQL on its engine) and record the submission."""
    from viva.grading import service as grading
    from viva.grading.sql.engines import PostgresEngine
    from viva.grading.sql.grading import SqlEngines

    settings = Settings()
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    _load_authored()
    try:
        source = file.read_text(encoding="utf-8")
        challenge = grading.find_challenge(slug)
        grading.check_source(source, max_bytes=settings.max_source_bytes)
        chosen = grading.submission_dialect(challenge, dialect)
    except UnicodeDecodeError:
        raise _fail(f"{file}: not UTF-8 text") from None
    except VivaError as exc:
        raise _fail(exc.detail) from None

    async def grade() -> Any:
        postgres = PostgresEngine(settings.sql_postgres_url) if settings.sql_postgres_url else None
        engines = SqlEngines(postgres)
        try:
            result, _ = await grading.grade_any(
                settings=settings,
                sql_engines=engines,
                slug=slug,
                source=source,
                dialect=chosen,
                visible_only=run_only,
            )
            return result
        finally:
            await engines.close()

    sub_id: int | None = None
    if not run_only:
        _ensure_schema(settings)
        sub = _run(
            lambda s: grading.create_submission(
                s, challenge=challenge, source=source, dialect=chosen
            )
        )
        sub_id = sub.id
    try:
        result = asyncio.run(grade())
    except VivaError as exc:
        _store_failure(sub_id, exc.detail)
        raise _fail(inert(exc.detail)) from None
    except Exception as exc:  # whatever failed, the submission ends as an Internal Error
        _store_failure(sub_id, grading.GRADING_FAILED)
        raise _fail(f"Internal Error: grading failed ({type(exc).__name__})") from None
    if sub_id is not None:
        stored_id = sub_id
        _run(lambda s: grading.store_grade(s, submission_id=stored_id, result=result))
    table = Table("test", "result", "expected", "got", "ms")
    for t in result.tests:
        shown = t.public()  # hidden tests: name and outcome only
        mark = "[green]passed[/]" if t.passed else f"[red]{inert(t.status)}[/]"
        cells = (
            ("(hidden)", "")
            if t.hidden
            else (_brief(shown.get("expected")), _brief(shown.get("got")))
        )
        table.add_row(inert(t.name), mark, *cells, f"{t.ms:.1f}")
    console.print(table)
    colour = "green" if result.verdict == "Accepted" else "red"
    where = f" on {chosen}" if chosen else ""
    console.print(
        f"[bold {colour}]{inert(result.verdict)}[/]{where}  score {result.score:.0%}  "
        f"({result.passed}/{len(result.tests)} tests)"
    )
    if result.message and result.verdict != "Accepted":
        console.print(inert(result.message))
    raise typer.Exit(0 if result.verdict == "Accepted" else 2)


def _store_failure(submission_id: int | None, message: str) -> None:
    """A submission whose grading failed ends done, as an Internal Error, never queued."""
    from viva.grading import service as grading

    if submission_id is None:
        return
    failed = grading.internal_error(message)
    _run(lambda s: grading.store_grade(s, submission_id=submission_id, result=failed))


def inert(text: object) -> str:
    """Candidate (or author) text made inert for the terminal: rich markup escaped, and
    see `no_controls`."""
    return escape(no_controls(text))


def no_controls(text: object) -> str:
    """Control characters other than newline and tab (ANSI escapes, bidi overrides, ...)
    shown as escapes, lone surrogates replaced."""
    value = str(text).encode("utf-8", "replace").decode("utf-8")
    return "".join(
        ch
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp")
        else ch.encode("unicode_escape").decode("ascii")
        for ch in value
    )


def _brief(value: Any) -> str:
    """A cell of the results table: SQL results as their rows, other values as JSON."""
    if isinstance(value, dict) and "rows" in value:
        rows = value["rows"][:5]
        more = " …" if value.get("row_count", 0) > 5 else ""
        return inert("\n".join(json.dumps(r) for r in rows) + more)
    return inert(json.dumps(value))


@app.command()
def doctor() -> None:
    """Check each isolation feature grading needs, and say how to fix what fails here."""
    from viva.grading.sandbox import probe

    settings = Settings()
    if settings.sandbox == "none":
        console.print(
            "[yellow]VIVA_SANDBOX=none: code runs without isolation (trusted use only)[/]"
        )
    ok = True
    for check in probe(uid_base=settings.sandbox_uid_base):
        ok &= check.passed
        mark = "[green]ok[/]  " if check.passed else "[red]FAIL[/]"
        console.print(f"{mark} {escape(check.name)}: {escape(check.meaning)}")
        if not check.passed and check.fix:
            console.print(f"       fix: {escape(check.fix)}")
    raise typer.Exit(0 if ok else 1)


if __name__ == "__main__":
    app()

"""`viva challenge`: list, show and grade coding challenges, through grading's service (the
same submit and grade_submission the API and the workers use)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table

from viva.cli._common import console, ensure_schema, fail, inert, no_controls
from viva.db import Database
from viva.errors import VivaError
from viva.events import EventBus
from viva.grading import claims
from viva.grading import service as grading
from viva.grading.catalogue import Catalogue
from viva.grading.details import detail
from viva.grading.judge.outcome import Grade, Verdict
from viva.practice import subscribers
from viva.settings import Settings

app = typer.Typer(help="Auto-graded coding challenges.", no_args_is_help=True)


@asynccontextmanager
async def _grading(settings: Settings) -> AsyncIterator[grading.GradingContext]:
    """This command's grading context: the database, the catalogue with the authored
    challenges loaded, and the event bus practice listens on (a graded submission moves the
    review card, as on the server)."""
    database = Database(settings.effective_database_url)
    events = EventBus()
    subscribers.subscribe(events, fuzz=settings.review_fuzzing)
    ctx = grading.GradingContext.build(
        settings=settings, database=database, catalogue=Catalogue(), events=events
    )
    try:
        async with database.session() as session:
            await ctx.catalogue.refresh(session)
        yield ctx
    finally:
        await ctx.close()
        await database.dispose()


def _with_grading(work: Any) -> Any:
    settings = Settings()
    ensure_schema(settings)

    async def main() -> Any:
        async with _grading(settings) as ctx:
            return await work(ctx)

    try:
        return asyncio.run(main())
    except VivaError as exc:
        raise fail(inert(exc.detail)) from None


@app.command("list")
def challenge_list() -> None:
    """List the challenges."""

    async def summaries(ctx: grading.GradingContext) -> Any:
        return ctx.catalogue.summaries()

    table = Table("challenge", "title", "seed Q", "kind", "difficulty")
    for c in _with_grading(summaries):
        table.add_row(c.slug, c.title, str(c.seed_question or ""), c.kind, c.difficulty)
    console.print(table)


@app.command("show")
def challenge_show(slug: Annotated[str, typer.Argument(help="Challenge slug")]) -> None:
    """Show a challenge: prompt, examples and starter code."""

    async def find(ctx: grading.GradingContext) -> Any:
        return detail(ctx.catalogue.find(slug))

    c = _with_grading(find)
    title = inert(f"{c.title} · {c.kind} · {c.difficulty}")
    console.print(Panel(Markdown(no_controls(c.prompt)), title=title))
    for example in c.examples:
        console.print(
            f"[bold]{inert(example.name)}[/]\n{inert(example.input)}\n"
            f"  → {inert(json.dumps(example.expected))}"
        )
    hidden = "hidden mutants" if c.kind == "tests" else "hidden tests"
    console.print(f"\n{c.hidden_tests} {hidden}. Starter code:\n")
    console.print(inert(c.starter))


@app.command("submit")
def challenge_submit(
    slug: Annotated[str, typer.Argument(help="Challenge slug")],
    file: Annotated[Path, typer.Argument(help="Your solution.py, or solution.sql")],
    dialect: Annotated[str | None, typer.Option(help="SQL challenges: sqlite or postgres")] = None,
    run_only: Annotated[
        bool, typer.Option("--run", help="Visible examples only, not recorded")
    ] = False,
) -> None:
    """Grade a solution (Python in the sandbox, SQL on its engine) and record the submission."""
    if not file.is_file():
        raise fail(f"{file}: no such file")
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text") from None

    async def grade(ctx: grading.GradingContext) -> tuple[Grade | None, str | None]:
        async with ctx.database.session() as session:
            chosen = grading.submission_dialect(ctx.catalogue.find(slug), dialect)
            if run_only:
                return await grading.run_examples(
                    ctx, session, slug=slug, source=source, dialect=dialect
                ), chosen
            submission = await grading.submit(
                ctx, session, slug=slug, source=source, dialect=dialect
            )
        # Stored and committed first: the grading below claims it like a worker would.
        return await claims.grade_submission(ctx, submission_id=submission.id), chosen

    result, chosen = _with_grading(grade)
    if result is None:
        raise fail("another process is grading this submission")
    if result.verdict == Verdict.INTERNAL_ERROR:
        raise fail(inert(f"Internal Error: {result.message}"))
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
    colour = "green" if result.verdict == Verdict.ACCEPTED else "red"
    where = f" on {chosen}" if chosen else ""
    console.print(
        f"[bold {colour}]{inert(result.verdict)}[/]{where}  score {result.score:.0%}  "
        f"({result.passed}/{len(result.tests)} tests)"
    )
    if result.message and result.verdict != Verdict.ACCEPTED:
        console.print(inert(result.message))
    raise typer.Exit(0 if result.verdict == Verdict.ACCEPTED else 2)


def _brief(value: Any) -> str:
    """A cell of the results table: SQL results as their rows, other values as JSON."""
    if isinstance(value, dict) and "rows" in value:
        rows = value["rows"][:5]
        more = " …" if value.get("row_count", 0) > 5 else ""
        return inert("\n".join(json.dumps(r) for r in rows) + more)
    return inert(json.dumps(value))

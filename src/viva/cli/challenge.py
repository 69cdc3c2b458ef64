"""`viva challenge`: list, show and grade coding challenges."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table

from viva.cli._common import console, ensure_schema, fail, inert, no_controls, run
from viva.errors import VivaError
from viva.settings import Settings

app = typer.Typer(help="Auto-graded coding challenges.", no_args_is_help=True)


def _load_authored() -> None:
    """Challenges interviewers wrote live in the database; load them beside the shipped ones."""
    from viva.grading import authored

    ensure_schema(Settings())
    run(authored.refresh)


@app.command("list")
def challenge_list() -> None:
    """List the challenges."""
    from viva.grading import service as grading

    _load_authored()
    table = Table("challenge", "title", "seed Q", "kind", "difficulty")
    for c in grading.list_challenges():
        table.add_row(c.slug, c.title, str(c.seed_question or ""), c.kind, c.difficulty)
    console.print(table)


@app.command("show")
def challenge_show(slug: Annotated[str, typer.Argument(help="Challenge slug")]) -> None:
    """Show a challenge: prompt, examples and starter code."""
    from viva.grading import service as grading

    _load_authored()
    try:
        c = grading.challenge_detail(slug)
    except VivaError as exc:
        raise fail(exc.detail) from None
    title = inert(f"{c.title} · {c.kind} · {c.difficulty}")
    console.print(Panel(Markdown(no_controls(c.prompt)), title=title))
    for example in c.examples:
        console.print(
            f"[bold]{inert(example.name)}[/]\n{inert(example.input)}\n"
            f"  → {inert(json.dumps(example.expected))}"
        )
    console.print(f"\n{c.hidden_tests} hidden tests. Starter code:\n")
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
    from viva.grading import service as grading
    from viva.grading.sql.engines import PostgresEngine
    from viva.grading.sql.grading import SqlEngines

    settings = Settings()
    if not file.is_file():
        raise fail(f"{file}: no such file")
    _load_authored()
    try:
        source = file.read_text(encoding="utf-8")
        challenge = grading.find_challenge(slug)
        grading.check_source(source, max_bytes=settings.max_source_bytes)
        chosen = grading.submission_dialect(challenge, dialect)
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text") from None
    except VivaError as exc:
        raise fail(exc.detail) from None

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
        ensure_schema(settings)
        sub = run(
            lambda s: grading.create_submission(
                s, challenge=challenge, source=source, dialect=chosen
            )
        )
        sub_id = sub.id
    try:
        result = asyncio.run(grade())
    except VivaError as exc:
        _store_failure(sub_id, exc.detail)
        raise fail(inert(exc.detail)) from None
    except Exception as exc:  # whatever failed, the submission ends as an Internal Error
        _store_failure(sub_id, grading.GRADING_FAILED)
        raise fail(f"Internal Error: grading failed ({type(exc).__name__})") from None
    if sub_id is not None:
        stored_id = sub_id
        run(lambda s: grading.store_grade(s, submission_id=stored_id, result=result))
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
    run(lambda s: grading.store_grade(s, submission_id=submission_id, result=failed))


def _brief(value: Any) -> str:
    """A cell of the results table: SQL results as their rows, other values as JSON."""
    if isinstance(value, dict) and "rows" in value:
        rows = value["rows"][:5]
        more = " …" if value.get("row_count", 0) > 5 else ""
        return inert("\n".join(json.dumps(r) for r in rows) + more)
    return inert(json.dumps(value))

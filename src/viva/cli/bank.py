"""`viva import`, `viva export` and `viva questions`: the question bank from the terminal.

Each command calls the bank service function its API route calls (imports write the same
audit entry and invalidate the same cache).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from viva.bank import service as bank
from viva.bank.models import BUILTIN_TRACK
from viva.bank.repository import QuestionFilter
from viva.cli._common import console, ensure_schema, err, fail, run, run_with_cache
from viva.errors import VivaError
from viva.settings import Settings

questions_app = typer.Typer(help="Browse the question bank.", no_args_is_help=True)
UNSET = "unset"


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
        raise fail(f"{file}: no such file")
    if file.stat().st_size > settings.max_import_bytes:
        raise fail(f"{file}: {file.stat().st_size / 1_048_576:.1f} MB is over the 5 MB limit")
    data = file.read_bytes()
    if dry_run:
        _import_preview(data, file.name, track, settings, answers=not no_answers)
        return
    ensure_schema(settings)
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

        report = run_with_cache(
            lambda s, cache: bank.import_file(
                s,
                data=data,
                filename=file.name,
                track_slug=track,
                max_bytes=settings.max_import_bytes,
                answers=not no_answers,
                progress=progress,
                cache=cache,
            )
        )
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
        raise fail(exc.detail) from None
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


def export(
    track: Annotated[str, typer.Option(help="Track slug")] = BUILTIN_TRACK,
    format: Annotated[str, typer.Option("--format", "-f", help="md, json or anki-tsv")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default stdout)")
    ] = None,
) -> None:
    """Export a track as Markdown, JSON or an Anki-importable TSV."""
    ensure_schema(Settings())
    content, _, _ = run(lambda s: bank.export_track(s, slug=track, fmt=format))
    if output:
        output.write_text(content, encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(content)


@questions_app.command("list")
def questions_list(
    track: Annotated[str, typer.Option(help="Track slug")] = BUILTIN_TRACK,
    category: Annotated[str | None, typer.Option(help="Category slug")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Full-text search")] = None,
    kind: Annotated[
        str | None, typer.Option(help="theory, coding, sql, scenario, design or unset")
    ] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium, hard or unset")] = None,
    limit: Annotated[int, typer.Option(help="At most this many")] = 100,
) -> None:
    """List questions, filtered and searched."""
    ensure_schema(Settings())
    filters = QuestionFilter(track, category, kind, difficulty, None, search)
    items, more = run(lambda s: bank.list_questions(s, filters=filters, after=None, limit=limit))
    table = Table("#", "question", "category", "kind", "difficulty", show_lines=False)
    for q in items:
        table.add_row(
            str(q.number), q.text, q.category.title, q.kind or UNSET, q.difficulty or UNSET
        )
    console.print(table)
    console.print(
        f"{len(items)} question{'s' if len(items) != 1 else ''}"
        + (" (more: raise --limit)" if more else "")
    )


@questions_app.command("show")
def questions_show(
    number: Annotated[int, typer.Argument(help="Question number in the track")],
    track: Annotated[str, typer.Option(help="Track slug")] = BUILTIN_TRACK,
    answer: Annotated[
        bool, typer.Option("--answer", "-a", help="Also print the model answer")
    ] = False,
) -> None:
    """Show one question (and its model answer with --answer)."""
    ensure_schema(Settings())
    q = run(lambda s: bank.get_question_by_number(s, track_slug=track, number=number))
    console.print(
        Panel(
            q.text,
            title=f"Q{q.number} · {q.category.title}",
            subtitle=f"{q.kind or UNSET} · {q.difficulty or UNSET}",
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

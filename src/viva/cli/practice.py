"""`viva practice` and `viva progress`: spaced review and progress in the terminal."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from typing import Annotated, Any

import typer
from fsrs import Rating
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts import public
from viva.bank import service as bank
from viva.bank.models import BUILTIN_TRACK
from viva.bank.schemas import QuestionDetail
from viva.cli._common import console, ensure_schema, err, fail, run
from viva.clock import now
from viva.db import Database
from viva.errors import VivaError
from viva.practice import review
from viva.practice.matcher import PointMatch, coverage
from viva.settings import Settings


def progress(
    username: Annotated[str, typer.Option("--user", help="Whose progress")] = "admin",
) -> None:
    """Your progress in the terminal: solved challenges, accuracy, streak, by category."""
    from viva.grading.catalogue import Catalogue
    from viva.practice.progress import progress as compute

    ensure_schema(Settings())

    async def load(session: AsyncSession) -> Any:
        user = await public.require_user_named(session, username=username)
        catalogue = Catalogue()
        await catalogue.refresh(session)  # authored challenges count too
        return await compute(session, catalogue=catalogue, user_id=user.id)

    p = run(load)
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


def practice(
    username: Annotated[str, typer.Option("--user", help="Whose reviews")] = "admin",
    track: Annotated[str, typer.Option(help="Track slug")] = BUILTIN_TRACK,
    limit: Annotated[int, typer.Option(min=1, help="At most this many cards")] = 20,
) -> None:
    """Review due and new questions: answer, compare with the key points, rate yourself."""
    settings = Settings()
    ensure_schema(settings)
    tally: Counter[str] = Counter()

    async def main() -> None:
        database = Database(settings.effective_database_url)
        try:
            async with database.session() as session:
                user = await public.require_user_named(session, username=username)
                user_id, deck = user.id, await bank.require_track(session, slug=track)
                entries, total = await review.queue(
                    session, user_id=user_id, track=deck, at=now(), limit=limit
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
                        subtitle=f"{q.kind or 'unset'} · {q.difficulty or 'unset'}",
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
                at = now()
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
                at = now()
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
        raise fail(exc.detail) from None

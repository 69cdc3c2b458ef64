"""A track as a file: Markdown (which the importer reads back), Viva JSON, or Anki TSV."""

from __future__ import annotations

from viva.bank import anki
from viva.bank.models import Category, Question, Track
from viva.bank.schemas import ExportCategory, ExportQuestion, ExportTrack

EXPORT_FORMATS = ("md", "json", "anki-tsv")


def render(
    track: Track, categories: list[Category], by_cat: dict[int, list[Question]], *, fmt: str
) -> tuple[str, str, str]:
    """(content, media type, file name) of a track in md, json or anki-tsv."""
    slug = track.slug
    if fmt == "json":
        data = ExportTrack(
            slug=track.slug,
            title=track.title,
            description=track.description,
            categories=[
                ExportCategory(
                    slug=c.slug, title=c.title, questions=[_export_q(q) for q in by_cat[c.id]]
                )
                for c in categories
                if by_cat[c.id]
            ],
        )
        return data.model_dump_json(indent=2) + "\n", "application/json", f"{slug}.json"
    if fmt == "md":
        return (
            export_markdown(track.title, categories, by_cat),
            "text/markdown; charset=utf-8",
            f"{slug}.md",
        )
    return (
        anki_tsv(track, categories, by_cat),
        "text/tab-separated-values; charset=utf-8",
        f"{slug}.tsv",
    )


def export_markdown(
    title: str, categories: list[Category], by_cat: dict[int, list[Question]]
) -> str:
    """The Markdown list the importer reads back: a heading per category, a numbered item per
    question with its labels, and its model answer's explanation indented under it."""
    lines = [f"# {title}", ""]
    for c in categories:
        if not by_cat[c.id]:
            continue
        lines += [f"## {c.title}", ""]
        for q in by_cat[c.id]:
            item = f"{q.number}. "
            labels = ", ".join(x for x in (q.difficulty, q.kind) if x)  # none when unset
            label = f" [{labels}]" if labels else ""
            lines.append(f"{item}{' '.join(q.text.split())}{label}")
            explanation = q.answer.explanation.strip() if q.answer is not None else ""
            if explanation:
                pad = " " * len(item)
                lines.append("")
                lines += [
                    f"{pad}{line}" if line.strip() else "" for line in explanation.split("\n")
                ]
                lines.append("")
        lines.append("")
    return "\n".join(lines)


def _export_q(q: Question) -> ExportQuestion:
    return ExportQuestion.model_validate(q, from_attributes=True)  # with its answer, if any


def anki_tsv(track: Track, categories: list[Category], by_cat: dict[int, list[Question]]) -> str:
    """Anki's text import: GUIDs are stable, so importing again updates rather than duplicates."""
    lines = ["#separator:tab", "#html:true", "#guid column:1", "#deck column:2", "#tags column:5"]
    for c in categories:
        for q in by_cat[c.id]:
            a = q.answer
            back = anki.NO_ANSWER
            if a is not None:
                back = anki.export_back(a.summary, a.key_points)
            deck = f"Viva::{track.title}::{c.title}".replace("\t", " ")
            marks = [m for m in (q.kind, q.difficulty) if m]
            tags = " ".join([f"viva::{track.slug}", *marks, *q.tags]).replace("\t", " ")
            lines.append(
                "\t".join(
                    [
                        f"viva-{track.slug}-{q.slug}",
                        deck,
                        anki.export_field(f"{q.number}. {q.text}"),
                        back,
                        tags,
                    ]
                )
            )
    return "\n".join(lines) + "\n"

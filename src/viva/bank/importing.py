"""Reading an upload (Markdown list, Viva JSON export, Anki TSV) and writing it into a track:
the import engine behind `service.import_file` and `service.preview_file`.

One call is one transaction of the caller's unit of work; nothing here commits.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from viva.bank import anki, repository
from viva.bank.models import Answer, Category, Question, Track
from viva.bank.parser import (
    ParsedCategory,
    ParsedQuestion,
    ParsedTrack,
    answer_summary,
    clean_text,
    decode_upload,
    parse_markdown,
    slugify,
)
from viva.bank.schemas import ExportAnswer, ExportTrack, ImportReport
from viva.clock import now
from viva.errors import ImportRejected

Progress = Callable[[int, int], None]


@dataclass
class Incoming:
    """A parsed track plus optional answers keyed by question slug (JSON and Anki carry them).

    `answer_fields` names the answer fields the source holds (None: all of them); a stored
    answer keeps its other fields, so an Anki back never erases an explanation."""

    parsed: ParsedTrack
    answers: dict[str, ExportAnswer]
    description: str = ""
    answer_fields: tuple[str, ...] | None = None


# A Markdown list's answers fill these fields; a stored answer keeps its other fields.
MARKDOWN_ANSWER_FIELDS = ("summary", "explanation")


def parse_upload(text: str, filename: str, answers: bool = True) -> Incoming:
    incoming = _parse_any(text, filename)
    if not answers:
        incoming.answers = {}
        for cat in incoming.parsed.categories:
            for q in cat.questions:
                q.answer = ""
    return incoming


def _parse_any(text: str, filename: str) -> Incoming:
    if anki.looks_like_anki(text, filename):
        deck = anki.parse_anki(anki.clean_text(text))
        return Incoming(deck.parsed, deck.answers, answer_fields=anki.BACK_FIELDS)
    text = clean_text(text)
    if text.lstrip().startswith("{"):
        try:
            data = ExportTrack.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ImportRejected(f"not a Viva JSON export: {where}: {first['msg']}") from exc
        return _from_export(data)
    parsed = parse_markdown(text)
    return Incoming(parsed, _markdown_answers(parsed), answer_fields=MARKDOWN_ANSWER_FIELDS)


def _markdown_answers(parsed: ParsedTrack) -> dict[str, ExportAnswer]:
    """The answers a Markdown list carries, as model answers (Markdown kept as written)."""
    return {
        q.slug: ExportAnswer(
            summary=answer_summary(q.answer),
            explanation=q.answer,
            difficulty=q.difficulty,
            kind=q.kind,
            tags=list(q.tags),
        )
        for c in parsed.categories
        for q in c.questions
        if q.answer
    }


def _from_export(data: ExportTrack) -> Incoming:
    categories, answers = [], {}
    seen: set[str] = set()
    for cat in data.categories:
        parsed_cat = ParsedCategory(title=cat.title, slug=cat.slug or slugify(cat.title))
        for q in cat.questions:
            slug = q.slug or f"q{q.number}"
            if slug in seen:
                raise ImportRejected(f"question slug '{slug}' appears twice in the export")
            seen.add(slug)
            parsed_cat.questions.append(
                ParsedQuestion(q.number, q.text, 0, q.kind, q.difficulty, list(q.tags), slug)
            )
            if q.answer is not None:
                answers[slug] = q.answer
        categories.append(parsed_cat)
    parsed = ParsedTrack(
        title=data.title,
        categories=[c for c in categories if c.questions],
        warnings=[],
        source_hash="",
    )
    if not parsed.categories:
        raise ImportRejected("the export holds no questions")
    return Incoming(parsed, answers, data.description)


async def read_upload(
    session: AsyncSession | None,
    *,
    data: bytes,
    filename: str,
    track_slug: str | None,
    max_bytes: int,
    answers: bool,
) -> tuple[Incoming, str, str]:
    text = decode_upload(data, max_bytes=max_bytes)
    # Parsing a few megabytes takes seconds: off the event loop, like other CPU work.
    incoming = await asyncio.to_thread(parse_upload, text, filename, answers)
    stem = PurePath(filename or "import").stem
    slug = slugify(track_slug or incoming.parsed.title or stem)
    existing = await repository.get_track(session, slug=slug) if session is not None else None
    title = incoming.parsed.title or (
        existing.title if existing else stem.replace("-", " ").title()
    )
    anki.name_deckless(incoming.parsed, title)
    return incoming, slug, title


async def import_parsed(
    session: AsyncSession,
    *,
    incoming: Incoming,
    slug: str,
    title: str,
    description: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    parsed = incoming.parsed
    track = await repository.get_track(session, slug=slug)
    if track is None:
        track = Track(
            slug=slug,
            title=title,
            description=description or incoming.description,
            source_hash=parsed.source_hash,
        )
        session.add(track)
        await session.flush()
    else:
        if track.title != title:
            track.title = title
        if description is not None and track.description != description:
            track.description = description
    existing_cats = {
        c.slug: c for c in await repository.categories_of_track(session, track_id=track.id)
    }
    existing_qs = {
        q.slug: q for q in await repository.questions_of_track(session, track_id=track.id)
    }
    created = updated = unchanged = 0
    touched: list[Question] = []
    keep_q: set[int] = set()
    keep_c: set[int] = set()
    total, done, position = parsed.question_count, 0, 0
    for cat_pos, pcat in enumerate(parsed.categories, start=1):
        category = existing_cats.get(pcat.slug)
        if category is None:
            category = Category(
                track_id=track.id, slug=pcat.slug, title=pcat.title, position=cat_pos
            )
            session.add(category)
            await session.flush()
        else:
            if category.title != pcat.title:
                category.title = pcat.title
            if category.position != cat_pos:
                category.position = cat_pos
        keep_c.add(category.id)
        for pq in pcat.questions:
            position += 1
            question = existing_qs.get(pq.slug)
            if question is None:
                question = Question(
                    track_id=track.id,
                    category_id=category.id,
                    slug=pq.slug,
                    number=pq.number,
                    position=position,
                    text=pq.text,
                    kind=pq.kind,
                    difficulty=pq.difficulty,
                    tags=pq.tags,
                    content_hash=pq.content_hash,
                )
                session.add(question)
                created += 1
                touched.append(question)
            elif (question.content_hash, question.category_id, question.position) == (
                pq.content_hash,
                category.id,
                position,
            ):
                unchanged += 1
            else:
                question.category_id, question.number, question.position = (
                    category.id,
                    pq.number,
                    position,
                )
                question.text, question.kind, question.difficulty = pq.text, pq.kind, pq.difficulty
                question.tags, question.content_hash = pq.tags, pq.content_hash
                updated += 1
                touched.append(question)
            done += 1
            if progress:
                progress(done, total)
    await session.flush()
    keep_q = {q.id for q in touched} | {
        existing_qs[q.slug].id
        for c in parsed.categories
        for q in c.questions
        if q.slug in existing_qs
    }
    removed = await repository.delete_missing(
        session, track_id=track.id, keep_questions=keep_q, keep_categories=keep_c
    )
    await repository.index_for_search(session, questions=touched)
    if incoming.answers:
        await _store_answers(
            session, track_id=track.id, answers=incoming.answers, only=incoming.answer_fields
        )
    if created or updated or removed or track.source_hash != parsed.source_hash:
        track.source_hash = parsed.source_hash
        track.updated_at = now()
    return ImportReport(
        track=slug,
        title=track.title,
        questions=parsed.question_count,
        categories=len(parsed.categories),
        created=created,
        updated=updated,
        unchanged=unchanged,
        removed=removed,
        answers=len(incoming.answers),
        warnings=parsed.warnings,
        summary=parsed.summary,
    )


async def _store_answers(
    session: AsyncSession,
    *,
    track_id: int,
    answers: dict[str, ExportAnswer],
    only: tuple[str, ...] | None = None,
) -> None:
    questions = {q.slug: q for q in await repository.questions_of_track(session, track_id=track_id)}
    current = await repository.answers_by_question(
        session, question_ids=[q.id for q in questions.values()]
    )
    for slug, data in answers.items():
        question = questions.get(slug)
        if question is None:
            continue
        answer, fields = current.get(question.id), data.model_dump()
        if answer is not None and only is not None:
            fields = {k: v if k in only else getattr(answer, k) for k, v in fields.items()}
        upsert_answer(session, question=question, current=answer, fields=fields)


def _answer_hash(fields: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def upsert_answer(
    session: AsyncSession, *, question: Question, current: Answer | None, fields: dict[str, object]
) -> bool:
    digest = _answer_hash(fields)
    if current is not None and current.content_hash == digest:
        return False
    if current is None:
        session.add(Answer(question_id=question.id, content_hash=digest, **fields))
    else:
        for key, value in fields.items():
            setattr(current, key, value)
        current.content_hash = digest
    return True

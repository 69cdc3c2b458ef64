"""Question bank use cases: import, export, browse, and the built-in seed track.

Services never commit: the caller's unit of work (request or CLI command) does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePath

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from viva.bank import anki, repository
from viva.bank.answers import ModelAnswer, load_answers
from viva.bank.models import Answer, Category, Question, Track, utcnow
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
from viva.bank.schemas import (
    AnswerOut,
    CategoryOut,
    CategoryRef,
    ExportAnswer,
    ExportCategory,
    ExportQuestion,
    ExportTrack,
    ImportPreview,
    ImportReport,
    PreviewCategory,
    QuestionDetail,
    QuestionIn,
    QuestionOut,
    TrackOut,
)
from viva.errors import ImportRejected, NotFound

BUILTIN_TRACK = "python-fastapi-sql"
BUILTIN_TITLE = "Python Developer (FastAPI + SQL)"
BUILTIN_DESCRIPTION = (
    "100 interview questions in 10 sections: Python, FastAPI, SQL, microservices, REST, "
    "Docker/Kubernetes, Redis, security, cloud/DevOps and scenarios."
)
EXPORT_FORMATS = ("md", "json", "anki-tsv")
Progress = Callable[[int, int], None]


@dataclass
class _Incoming:
    """A parsed track plus optional answers keyed by question slug (JSON and Anki carry them).

    `answer_fields` names the answer fields the source holds (None: all of them); a stored
    answer keeps its other fields, so an Anki back never erases an explanation."""

    parsed: ParsedTrack
    answers: dict[str, ExportAnswer]
    description: str = ""
    answer_fields: tuple[str, ...] | None = None


# A Markdown list's answers fill these fields; a stored answer keeps its other fields.
MARKDOWN_ANSWER_FIELDS = ("summary", "explanation")


def _parse_upload(text: str, filename: str, answers: bool = True) -> _Incoming:
    incoming = _parse_any(text, filename)
    if not answers:
        incoming.answers = {}
        for cat in incoming.parsed.categories:
            for q in cat.questions:
                q.answer = ""
    return incoming


def _parse_any(text: str, filename: str) -> _Incoming:
    if anki.looks_like_anki(text, filename):
        deck = anki.parse_anki(anki.clean_text(text))
        return _Incoming(deck.parsed, deck.answers, answer_fields=anki.BACK_FIELDS)
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
    return _Incoming(parsed, _markdown_answers(parsed), answer_fields=MARKDOWN_ANSWER_FIELDS)


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


def _from_export(data: ExportTrack) -> _Incoming:
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
    return _Incoming(parsed, answers, data.description)


async def import_file(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    track_slug: str | None,
    max_bytes: int,
    answers: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a Markdown question list, a Viva JSON export or an Anki text file (TSV) into one
    track, all or nothing. `answers=False` leaves the file's answers out."""
    incoming, slug, title = await _read_upload(
        session,
        data=data,
        filename=filename,
        track_slug=track_slug,
        max_bytes=max_bytes,
        answers=answers,
    )
    return await import_parsed(
        session, incoming=incoming, slug=slug, title=title, progress=progress
    )


async def _read_upload(
    session: AsyncSession | None,
    *,
    data: bytes,
    filename: str,
    track_slug: str | None,
    max_bytes: int,
    answers: bool,
) -> tuple[_Incoming, str, str]:
    text = decode_upload(data, max_bytes=max_bytes)
    # Parsing a few megabytes takes seconds: off the event loop, like other CPU work.
    incoming = await asyncio.to_thread(_parse_upload, text, filename, answers)
    stem = PurePath(filename or "import").stem
    slug = slugify(track_slug or incoming.parsed.title or stem)
    existing = await repository.get_track(session, slug=slug) if session is not None else None
    title = incoming.parsed.title or (
        existing.title if existing else stem.replace("-", " ").title()
    )
    anki.name_deckless(incoming.parsed, title)
    return incoming, slug, title


async def preview_file(
    session: AsyncSession | None,
    *,
    data: bytes,
    filename: str,
    track_slug: str | None,
    max_bytes: int,
    answers: bool = True,
) -> ImportPreview:
    """What an import would do, writing nothing: questions per category, answers found, the
    first questions, warnings grouped by kind. With a session it also compares with the
    stored track (new, changed, unchanged, removed)."""
    incoming, slug, title = await _read_upload(
        session,
        data=data,
        filename=filename,
        track_slug=track_slug,
        max_bytes=max_bytes,
        answers=answers,
    )
    parsed = incoming.parsed
    questions = [q for c in parsed.categories for q in c.questions]
    new = changed = unchanged = removed = 0
    compared = False
    track = await repository.get_track(session, slug=slug) if session is not None else None
    if session is not None:
        compared = True
        stored = (
            {q.slug: q for q in await repository.questions_of_track(session, track_id=track.id)}
            if track is not None
            else {}
        )
        for q in questions:
            old = stored.pop(q.slug, None)
            if old is None:
                new += 1
            elif old.content_hash == q.content_hash:
                unchanged += 1
            else:
                changed += 1
        removed = len(stored)
    else:
        new = len(questions)
    return ImportPreview(
        track=slug,
        title=title,
        questions=len(questions),
        answers=len(incoming.answers),
        categories=[
            PreviewCategory(
                slug=c.slug,
                title=c.title,
                questions=len(c.questions),
                answers=sum(1 for q in c.questions if q.slug in incoming.answers),
            )
            for c in parsed.categories
        ],
        sample=[f"{q.number}. {q.text}" for q in questions[:3]],
        warnings=parsed.warnings,
        looks_wrong=any(i.kind == "confidence" for i in parsed.issues),
        compared=compared,
        new=new,
        changed=changed,
        unchanged=unchanged,
        removed=removed,
        summary=parsed.summary,
    )


async def import_parsed(
    session: AsyncSession,
    *,
    incoming: _Incoming,
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
    if slug == BUILTIN_TRACK:
        await sync_builtin_answers(session, track=track)
    if created or updated or removed or track.source_hash != parsed.source_hash:
        track.source_hash = parsed.source_hash
        track.updated_at = utcnow()
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
        _upsert_answer(session, question=question, current=answer, fields=fields)


def _answer_hash(fields: dict[str, object]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def _upsert_answer(
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


async def sync_builtin_answers(
    session: AsyncSession, *, track: Track, answers: dict[int, ModelAnswer] | None = None
) -> int:
    """Attach the packaged model answers to the built-in track; returns how many changed."""
    answers = load_answers() if answers is None else answers
    questions = await repository.questions_of_track(session, track_id=track.id)
    current = await repository.answers_by_question(session, question_ids=[q.id for q in questions])
    changed, reindex = 0, []
    for question in questions:
        model = answers.get(question.number)
        if model is None or question.slug != f"q{question.number}":
            continue
        fields = model.as_dict()
        fields.pop("number")
        if _upsert_answer(
            session, question=question, current=current.get(question.id), fields=fields
        ):
            changed += 1
        # The curated answer knows the question's kind, difficulty and tags best.
        if (question.kind, question.difficulty, question.tags) != (
            model.kind,
            model.difficulty,
            model.tags,
        ):
            question.kind, question.difficulty, question.tags = (
                model.kind,
                model.difficulty,
                model.tags,
            )
            reindex.append(question)
    await session.flush()
    await repository.index_for_search(session, questions=reindex)
    return changed + len(reindex)


def builtin_seed_text() -> str:
    return (resources.files("viva.content") / "tracks" / f"{BUILTIN_TRACK}.md").read_text("utf-8")


async def ensure_builtin(session: AsyncSession) -> ImportReport | None:
    """Load or refresh the built-in seed track; a no-op when nothing changed."""
    text = clean_text(builtin_seed_text())
    parsed = parse_markdown(text)
    track = await repository.get_track(session, slug=BUILTIN_TRACK)
    if track is not None and track.source_hash == parsed.source_hash:
        await sync_builtin_answers(session, track=track)
        return None
    return await import_parsed(
        session,
        incoming=_Incoming(parsed, {}),
        slug=BUILTIN_TRACK,
        title=BUILTIN_TITLE,
        description=BUILTIN_DESCRIPTION,
    )


# Browsing ------------------------------------------------------------------------------------


def question_out(question: Question, *, track_slug: str, has_answer: bool) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        track=track_slug,
        category=CategoryRef(slug=question.category.slug, title=question.category.title),
        number=question.number,
        slug=question.slug,
        text=question.text,
        kind=question.kind,
        difficulty=question.difficulty,
        tags=list(question.tags),
        has_answer=has_answer,
    )


def answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut.model_validate(
        {c: getattr(answer, c) for c in AnswerOut.model_fields}, from_attributes=False
    )


async def list_tracks(session: AsyncSession) -> list[TrackOut]:
    return [
        TrackOut(
            slug=t.slug,
            title=t.title,
            description=t.description,
            question_count=q,
            category_count=c,
        )
        for t, q, c in await repository.list_tracks(session)
    ]


async def require_track(session: AsyncSession, *, slug: str) -> Track:
    track = await repository.get_track(session, slug=slug)
    if track is None:
        raise NotFound(f"no track '{slug}'")
    return track


async def list_categories(session: AsyncSession, *, track_slug: str) -> list[CategoryOut]:
    track = await require_track(session, slug=track_slug)
    return [
        CategoryOut(slug=c.slug, title=c.title, position=c.position, question_count=n)
        for c, n in await repository.list_categories(session, track_id=track.id)
    ]


async def list_questions(
    session: AsyncSession,
    *,
    filters: repository.QuestionFilter,
    after: tuple[int, ...] | None,
    limit: int,
) -> tuple[list[QuestionOut], tuple[int, ...] | None]:
    """A page of questions and the keyset of its last row when another page follows."""
    rows = await repository.list_questions(session, filters=filters, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else None
    next_key = (last.track_id, last.position, last.id) if more and last else None
    items = [question_out(q, track_slug=slug, has_answer=answered) for q, slug, answered in rows]
    return items, next_key


async def get_question(session: AsyncSession, *, question_id: int) -> QuestionDetail:
    question = await repository.get_question(session, question_id=question_id)
    if question is None:
        raise NotFound(f"no question with id {question_id}")
    return await _detail(session, question)


async def get_question_by_number(
    session: AsyncSession, *, track_slug: str, number: int
) -> QuestionDetail:
    track = await require_track(session, slug=track_slug)
    question = await repository.get_question_by_number(session, track_id=track.id, number=number)
    if question is None:
        raise NotFound(f"no question number {number} in track '{track_slug}'")
    return await _detail(session, question)


async def _detail(session: AsyncSession, question: Question) -> QuestionDetail:
    slug = await repository.track_slug(session, track_id=question.track_id)
    base = question_out(question, track_slug=slug, has_answer=question.answer is not None)
    answer = answer_out(question.answer) if question.answer else None
    return QuestionDetail(**base.model_dump(), answer=answer)


async def get_answer(session: AsyncSession, *, question_id: int) -> AnswerOut:
    detail = await get_question(session, question_id=question_id)
    if detail.answer is None:
        raise NotFound(f"question {question_id} has no model answer yet")
    return detail.answer


async def add_question(
    session: AsyncSession, *, track_slug: str, data: QuestionIn
) -> QuestionDetail:
    """Append an authored question to a category of a track (the category is created if new)."""
    from sqlalchemy import func, select

    track = await require_track(session, slug=track_slug)
    categories = {
        c.slug: c for c in await repository.categories_of_track(session, track_id=track.id)
    }
    slug = slugify(data.category)
    category = categories.get(slug)
    if category is None:
        category = Category(
            track_id=track.id, slug=slug, title=data.category.strip(), position=len(categories) + 1
        )
        session.add(category)
        await session.flush()
    numbers = await session.scalar(
        select(func.max(Question.number)).where(Question.track_id == track.id)
    )
    positions = await session.scalar(
        select(func.max(Question.position)).where(Question.track_id == track.id)
    )
    number = int(numbers or 0) + 1
    parsed = ParsedQuestion(
        number, data.text.strip(), 0, data.kind, data.difficulty, list(data.tags), f"q{number}"
    )
    question = Question(
        track_id=track.id,
        category_id=category.id,
        slug=parsed.slug,
        number=number,
        position=int(positions or 0) + 1,
        text=parsed.text,
        kind=parsed.kind,
        difficulty=parsed.difficulty,
        tags=parsed.tags,
        content_hash=parsed.content_hash,
    )
    session.add(question)
    await session.flush()
    await repository.index_for_search(session, questions=[question])
    track.updated_at = utcnow()
    return await get_question(session, question_id=question.id)


# Export --------------------------------------------------------------------------------------


async def export_track(session: AsyncSession, *, slug: str, fmt: str) -> tuple[str, str, str]:
    """(content, media type, file name) of a track in md, json or anki-tsv."""
    if fmt not in EXPORT_FORMATS:
        raise ImportRejected(
            f"unknown export format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}"
        )
    track = await require_track(session, slug=slug)
    categories = await repository.categories_of_track(session, track_id=track.id)
    questions = await repository.questions_of_track(session, track_id=track.id)
    by_cat: dict[int, list[Question]] = {c.id: [] for c in categories}
    for q in questions:
        by_cat[q.category_id].append(q)
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
        _anki_tsv(track, categories, by_cat),
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
    answer = None
    if q.answer is not None:
        a = q.answer
        answer = ExportAnswer(
            summary=a.summary,
            explanation=a.explanation,
            key_points=a.key_points,
            pitfalls=a.pitfalls,
            follow_ups=a.follow_ups,
            references=a.references,
            in_viva=a.in_viva,
            difficulty=a.difficulty,
            kind=a.kind,
            tags=a.tags,
        )
    return ExportQuestion(
        number=q.number,
        slug=q.slug,
        text=q.text,
        kind=q.kind,
        difficulty=q.difficulty,
        tags=q.tags,
        answer=answer,
    )


def _anki_tsv(track: Track, categories: list[Category], by_cat: dict[int, list[Question]]) -> str:
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

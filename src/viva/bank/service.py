"""Question bank use cases: browse, author, import, export. The one home of each action:
routes, pages and the CLI call these.

Services never commit: the caller's unit of work (request or CLI command) does. Writes add
their audit entry to the same unit of work and invalidate the response cache after it commits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.audit import audit
from viva.accounts.models import User
from viva.bank import exporting, importing, repository
from viva.bank.builtin import sync_builtin_answers
from viva.bank.importing import Progress
from viva.bank.models import BUILTIN_TRACK, Answer, Category, Question, Track
from viva.bank.parser import ParsedQuestion, slugify
from viva.bank.schemas import (
    AnswerOut,
    CategoryOut,
    CategoryRef,
    ImportPreview,
    ImportReport,
    PreviewCategory,
    QuestionDetail,
    QuestionIn,
    QuestionOut,
    TrackOut,
)
from viva.clock import now
from viva.db import after_commit
from viva.errors import ImportRejected, NotFound
from viva.infra.cache import Cache


def _invalidate_after_commit(session: AsyncSession, cache: Cache | None) -> None:
    """Cached public pages and API answers show the bank: drop them once the change is in."""
    if cache is not None:
        after_commit(session, cache.invalidate)


# Import ----------------------------------------------------------------------------------------


async def import_file(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str,
    track_slug: str | None,
    max_bytes: int,
    answers: bool = True,
    progress: Progress | None = None,
    actor: User | None = None,
    cache: Cache | None = None,
) -> ImportReport:
    """Import a Markdown question list, a Viva JSON export or an Anki text file (TSV) into one
    track, all or nothing, with its audit entry. `answers=False` leaves the file's answers
    out."""
    incoming, slug, title = await importing.read_upload(
        session,
        data=data,
        filename=filename,
        track_slug=track_slug,
        max_bytes=max_bytes,
        answers=answers,
    )
    report = await importing.import_parsed(
        session, incoming=incoming, slug=slug, title=title, progress=progress
    )
    if slug == BUILTIN_TRACK:  # the curated answers stay attached to the seed track
        track = await require_track(session, slug=slug)
        await sync_builtin_answers(session, track=track)
    await audit(
        session,
        actor=actor,
        action="track.import",
        target=report.track,
        detail={"summary": report.summary},
    )
    _invalidate_after_commit(session, cache)
    return report


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
    incoming, slug, title = await importing.read_upload(
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


# Browsing ------------------------------------------------------------------------------------


def question_out(question: Question, *, track_slug: str, has_answer: bool) -> QuestionOut:
    # Hand-written: the track's slug and whether an answer exists come from the query, not
    # from the row (a page of questions loads neither the track nor the answers).
    return QuestionOut(
        id=question.id,
        track=track_slug,
        category=CategoryRef.model_validate(question.category, from_attributes=True),
        number=question.number,
        slug=question.slug,
        text=question.text,
        kind=question.kind,
        difficulty=question.difficulty,
        tags=list(question.tags),
        has_answer=has_answer,
    )


def answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut.model_validate(answer, from_attributes=True)


async def list_tracks(session: AsyncSession) -> list[TrackOut]:
    # Hand-written, as list_categories: the counts are the query's, not the row's.
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


async def find_track(session: AsyncSession, *, slug: str) -> Track | None:
    """The track, or None (the built-in one is not there until it has been loaded)."""
    return await repository.get_track(session, slug=slug)


async def require_track(session: AsyncSession, *, slug: str) -> Track:
    track = await find_track(session, slug=slug)
    if track is None:
        raise NotFound(f"no track '{slug}'")
    return track


async def track_categories(session: AsyncSession, *, track_id: int) -> list[Category]:
    """A track's categories in their order (practice's templates weigh them)."""
    return await repository.categories_of_track(session, track_id=track_id)


async def track_questions(session: AsyncSession, *, track_id: int) -> list[Question]:
    """A track's questions in their order, with category and answer loaded."""
    return await repository.questions_of_track(session, track_id=track_id)


async def require_question(session: AsyncSession, *, question_id: int) -> Question:
    question = await repository.get_question(session, question_id=question_id)
    if question is None:
        raise NotFound(f"no question with id {question_id}")
    return question


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
    return await _detail(session, await require_question(session, question_id=question_id))


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
    session: AsyncSession,
    *,
    track_slug: str,
    data: QuestionIn,
    actor: User | None,
    cache: Cache | None = None,
) -> QuestionDetail:
    """Append an authored question to a category of a track (the category is created if new),
    with its audit entry."""
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
    numbers, positions = await repository.last_number_and_position(session, track_id=track.id)
    number = numbers + 1
    parsed = ParsedQuestion(
        number, data.text.strip(), 0, data.kind, data.difficulty, list(data.tags), f"q{number}"
    )
    question = Question(
        track_id=track.id,
        category_id=category.id,
        slug=parsed.slug,
        number=number,
        position=positions + 1,
        text=parsed.text,
        kind=parsed.kind,
        difficulty=parsed.difficulty,
        tags=parsed.tags,
        content_hash=parsed.content_hash,
    )
    session.add(question)
    await session.flush()
    await repository.index_for_search(session, questions=[question])
    track.updated_at = now()
    await audit(
        session, actor=actor, action="question.create", target=f"{track_slug}/{parsed.slug}"
    )
    _invalidate_after_commit(session, cache)
    return await get_question(session, question_id=question.id)


# Export ----------------------------------------------------------------------------------------


async def export_track(session: AsyncSession, *, slug: str, fmt: str) -> tuple[str, str, str]:
    """(content, media type, file name) of a track in md, json or anki-tsv."""
    if fmt not in exporting.EXPORT_FORMATS:
        raise ImportRejected(
            f"unknown export format '{fmt}'; use one of {', '.join(exporting.EXPORT_FORMATS)}"
        )
    track = await require_track(session, slug=slug)
    categories = await repository.categories_of_track(session, track_id=track.id)
    questions = await repository.questions_of_track(session, track_id=track.id)
    by_cat: dict[int, list[Question]] = {c.id: [] for c in categories}
    for q in questions:
        by_cat[q.category_id].append(q)
    return exporting.render(track, categories, by_cat, fmt=fmt)

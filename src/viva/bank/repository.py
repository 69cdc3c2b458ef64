"""Every query of the question bank. Functions take the session and keyword-only arguments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    delete,
    exists,
    func,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, contains_eager, selectinload

from viva.bank.models import Answer, Category, Question, Track
from viva.db import dialect_of


@dataclass(frozen=True)
class QuestionFilter:
    track: str | None = None
    category: str | None = None
    kind: str | None = None
    difficulty: str | None = None
    tag: str | None = None
    q: str | None = None


UNSET = "unset"  # the filter value that selects questions whose file did not say


def _equals_or_unset(col: InstrumentedAttribute[str | None], value: str) -> ColumnElement[bool]:
    return col.is_(None) if value == UNSET else col == value


def search_terms(query: str) -> list[str]:
    """Words of a user's search, stripped of every operator of FTS5 and tsquery syntax."""
    return [t.lower() for t in re.findall(r"\w+", query)][:12]


async def get_track(session: AsyncSession, *, slug: str) -> Track | None:
    return await session.scalar(select(Track).where(Track.slug == slug))


async def list_tracks(session: AsyncSession) -> Sequence[tuple[Track, int, int]]:
    questions = (
        select(Question.track_id, func.count().label("n")).group_by(Question.track_id).subquery()
    )
    categories = (
        select(Category.track_id, func.count().label("n")).group_by(Category.track_id).subquery()
    )
    rows = await session.execute(
        select(Track, func.coalesce(questions.c.n, 0), func.coalesce(categories.c.n, 0))
        .outerjoin(questions, questions.c.track_id == Track.id)
        .outerjoin(categories, categories.c.track_id == Track.id)
        .order_by(Track.id)
    )
    return [(t, int(q), int(c)) for t, q, c in rows.all()]


async def list_categories(
    session: AsyncSession, *, track_id: int
) -> Sequence[tuple[Category, int]]:
    counts = (
        select(Question.category_id, func.count().label("n"))
        .group_by(Question.category_id)
        .subquery()
    )
    rows = await session.execute(
        select(Category, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_id == Category.id)
        .where(Category.track_id == track_id)
        .order_by(Category.position)
    )
    return [(c, int(n)) for c, n in rows.all()]


async def get_category(session: AsyncSession, *, track_id: int, slug: str) -> Category | None:
    return await session.scalar(
        select(Category).where(Category.track_id == track_id, Category.slug == slug)
    )


def _with_details(stmt: Select[Question]) -> Select[Question]:
    return stmt.options(selectinload(Question.category), selectinload(Question.answer))


async def get_question(session: AsyncSession, *, question_id: int) -> Question | None:
    return await session.scalar(_with_details(select(Question).where(Question.id == question_id)))


async def get_question_by_number(
    session: AsyncSession, *, track_id: int, number: int
) -> Question | None:
    stmt = select(Question).where(Question.track_id == track_id, Question.number == number)
    return await session.scalar(_with_details(stmt.order_by(Question.position).limit(1)))


def _tag_clause(session: AsyncSession, tag: str) -> ColumnElement[bool]:
    if dialect_of(session) == "sqlite":
        return text(
            "EXISTS (SELECT 1 FROM json_each(questions.tags) WHERE json_each.value = :tag)"
        ).bindparams(tag=tag)  # type: ignore[return-value]
    return text("questions.tags::jsonb ? :tag").bindparams(tag=tag)  # type: ignore[return-value]


def _search_clause(session: AsyncSession, query: str) -> ColumnElement[bool] | None:
    terms = search_terms(query)
    if not terms:
        return None
    if dialect_of(session) == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        matches = (
            text("SELECT question_id FROM question_search WHERE question_search MATCH :match")
            .bindparams(match=match)
            .columns(column("question_id", Integer))
        )
        return Question.id.in_(matches)
    tsquery = " & ".join(f"{t}:*" for t in terms)
    return text(  # type: ignore[return-value]
        "questions.search_vector @@ to_tsquery('english', :tsq)"
    ).bindparams(tsq=tsquery)


async def list_questions(
    session: AsyncSession,
    *,
    filters: QuestionFilter,
    after: tuple[int, ...] | None,
    limit: int,
) -> list[tuple[Question, str, bool]]:
    """A page of (question with its category, track slug, has an answer) in track order,
    after a keyset cursor (track_id, position, id). One query; answer bodies stay unread."""
    has_answer = exists().where(Answer.question_id == Question.id).label("has_answer")
    stmt = (
        select(Question, Track.slug, has_answer)
        .join(Category, Category.id == Question.category_id)
        .join(Track, Track.id == Question.track_id)
        .options(contains_eager(Question.category))
    )
    if filters.track:
        stmt = stmt.where(Track.slug == filters.track)
    if filters.category:
        stmt = stmt.where(Category.slug == filters.category)
    if filters.kind:
        stmt = stmt.where(_equals_or_unset(Question.kind, filters.kind))
    if filters.difficulty:
        stmt = stmt.where(_equals_or_unset(Question.difficulty, filters.difficulty))
    if filters.tag:
        stmt = stmt.where(_tag_clause(session, filters.tag))
    if filters.q:
        clause = _search_clause(session, filters.q)
        if clause is not None:
            stmt = stmt.where(clause)
    if after is not None:
        stmt = stmt.where(
            tuple_(Question.track_id, Question.position, Question.id) > tuple_(*after)
        )
    stmt = stmt.order_by(Question.track_id, Question.position, Question.id).limit(limit)
    return [(q, slug, bool(answered)) for q, slug, answered in (await session.execute(stmt)).all()]


async def last_number_and_position(session: AsyncSession, *, track_id: int) -> tuple[int, int]:
    """The highest question number and position in a track (0, 0 when it has none)."""
    row = (
        await session.execute(
            select(func.max(Question.number), func.max(Question.position)).where(
                Question.track_id == track_id
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def track_slug(session: AsyncSession, *, track_id: int) -> str:
    slug = await session.scalar(select(Track.slug).where(Track.id == track_id))
    assert slug is not None
    return slug


async def questions_of_track(session: AsyncSession, *, track_id: int) -> list[Question]:
    stmt = select(Question).where(Question.track_id == track_id).order_by(Question.position)
    return list((await session.scalars(_with_details(stmt))).all())


async def categories_of_track(session: AsyncSession, *, track_id: int) -> list[Category]:
    stmt = select(Category).where(Category.track_id == track_id).order_by(Category.position)
    return list((await session.scalars(stmt)).all())


async def delete_missing(
    session: AsyncSession, *, track_id: int, keep_questions: set[int], keep_categories: set[int]
) -> int:
    stale = await session.scalars(
        select(Question.id).where(Question.track_id == track_id, Question.id.not_in(keep_questions))
    )
    stale_ids = list(stale.all())
    if stale_ids:
        await session.execute(delete(Answer).where(Answer.question_id.in_(stale_ids)))
        await session.execute(delete(Question).where(Question.id.in_(stale_ids)))
        await remove_from_search(session, question_ids=stale_ids)
    await session.execute(
        delete(Category).where(Category.track_id == track_id, Category.id.not_in(keep_categories))
    )
    return len(stale_ids)


async def index_for_search(session: AsyncSession, *, questions: Sequence[Question]) -> None:
    """Keep the SQLite FTS5 index in step (PostgreSQL's tsvector column is generated)."""
    if dialect_of(session) != "sqlite" or not questions:
        return
    await remove_from_search(session, question_ids=[q.id for q in questions])
    await session.execute(
        text("INSERT INTO question_search (body, tags, question_id) VALUES (:body, :tags, :id)"),
        [{"body": q.text, "tags": " ".join(q.tags), "id": q.id} for q in questions],
    )


async def remove_from_search(session: AsyncSession, *, question_ids: Sequence[int]) -> None:
    if dialect_of(session) != "sqlite" or not question_ids:
        return
    await session.execute(
        text(
            "DELETE FROM question_search WHERE question_id IN (SELECT value FROM json_each(:ids))"
        ),
        {"ids": "[" + ",".join(str(int(i)) for i in question_ids) + "]"},
    )


async def answers_by_question(
    session: AsyncSession, *, question_ids: Sequence[int]
) -> dict[int, Answer]:
    rows = await session.scalars(select(Answer).where(Answer.question_id.in_(question_ids)))
    return {a.question_id: a for a in rows.all()}

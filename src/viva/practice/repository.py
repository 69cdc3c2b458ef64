"""Every query of the practice domain: review cards, logs and settings, disputes, mock
interview templates and interviews, and the attempts progress counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from viva.accounts.models import Attempt
from viva.bank.models import BUILTIN_TRACK, Question, Track
from viva.db import dialect_of
from viva.practice.models import (
    MockInterview,
    MockItem,
    MockTemplate,
    PointDispute,
    ReviewCard,
    ReviewLog,
    ReviewSetting,
)


async def add(session: AsyncSession, *rows: Any) -> None:
    session.add_all(rows)
    await session.flush()


# Review ----------------------------------------------------------------------------------------


async def get_setting(
    session: AsyncSession, *, user_id: int, track_id: int
) -> ReviewSetting | None:
    return await session.get(ReviewSetting, (user_id, track_id))


def due_cards(*, user_id: int, track_id: int, at: datetime) -> Select[ReviewCard, Question]:
    """The hot query of the review queue (its plan is checked in tests/infra)."""
    return (
        select(ReviewCard, Question)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, Question.track_id == track_id, ReviewCard.due <= at)
        .order_by(ReviewCard.due, Question.position)
        .options(joinedload(Question.category, innerjoin=True))
    )


async def due(
    session: AsyncSession, *, user_id: int, track_id: int, at: datetime
) -> list[tuple[ReviewCard, Question]]:
    rows = await session.execute(due_cards(user_id=user_id, track_id=track_id, at=at))
    return [(card, question) for card, question in rows.all()]


async def new_card_allowance(
    session: AsyncSession, *, user_id: int, track_id: int, since: datetime
) -> tuple[int | None, int]:
    """The user's daily allowance of new cards (None: the default) and how many cards were
    introduced since `since`, in one round trip."""
    per_day = (
        select(ReviewSetting.new_per_day)
        .where(ReviewSetting.user_id == user_id, ReviewSetting.track_id == track_id)
        .scalar_subquery()
    )
    introduced = (
        select(func.count())
        .select_from(ReviewCard)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(
            ReviewCard.user_id == user_id,
            Question.track_id == track_id,
            ReviewCard.created_at >= since,
        )
        .scalar_subquery()
    )
    new_per_day, introduced_today = (await session.execute(select(per_day, introduced))).one()
    return new_per_day, int(introduced_today or 0)


async def unseen_questions(
    session: AsyncSession, *, user_id: int, track_id: int, limit: int
) -> Sequence[Question]:
    seen = select(ReviewCard.question_id).where(ReviewCard.user_id == user_id)
    rows = await session.scalars(
        select(Question)
        .where(Question.track_id == track_id, Question.id.not_in(seen))
        .order_by(Question.position)
        .limit(limit)
        .options(joinedload(Question.category, innerjoin=True))
    )
    return rows.all()


async def next_due(session: AsyncSession, *, user_id: int, track_id: int) -> datetime | None:
    return await session.scalar(
        select(ReviewCard.due)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(ReviewCard.user_id == user_id, Question.track_id == track_id)
        .order_by(ReviewCard.due)
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class CardState:
    """A review card's FSRS state as stored, read and written without the ORM (the rating
    POST is the hot write path: no identity map, no unit-of-work flush)."""

    id: int
    question_id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int


_cards = cast(Table, ReviewCard.__table__)
_CARD_COLUMNS = [_cards.c[f.name] for f in fields(CardState)]


@lru_cache(maxsize=4)
def _card_for_rating_statement(postgresql_lock: bool) -> Any:
    """The rating's read, built once per shape with bound parameters: built per request, its
    lateral subquery's columns, expressions and cache key were about a tenth of the rating's
    event-loop samples on PostgreSQL (bench/README.md, 2026-12-03)."""
    user_id: Any = bindparam("user_id")
    question_id: Any = bindparam("question_id")
    mine = and_(_cards.c.question_id == Question.id, _cards.c.user_id == user_id)
    card: Any = _cards
    joined_on: Any = mine
    if postgresql_lock:
        # FOR UPDATE may not name the nullable side of an outer join; a lateral subquery
        # that locks the row it finds may be outer-joined.
        card = select(*_CARD_COLUMNS).where(mine).with_for_update().lateral("card")
        joined_on = true()
    return (
        select(
            Question.track_id,
            ReviewSetting.desired_retention,
            *(card.c[c.name] for c in _CARD_COLUMNS),
        )
        .select_from(Question)
        .outerjoin(card, joined_on)
        .outerjoin(
            ReviewSetting,
            and_(ReviewSetting.user_id == user_id, ReviewSetting.track_id == Question.track_id),
        )
        .where(Question.id == question_id)
    )


async def card_for_rating(
    session: AsyncSession, *, user_id: int, question_id: int, lock: bool = False
) -> tuple[int, CardState | None, float | None] | None:
    """The question's track, the user's card and desired retention (None: the default), in
    one round trip (None when there is no such question). `lock`: on PostgreSQL the card's
    row stays locked to the end of the transaction (a rating waits for a concurrent one to
    commit, then reads what it wrote); a process's own writers take turns before that
    (`viva.db.write_turn`)."""
    statement = _card_for_rating_statement(lock and dialect_of(session) == "postgresql")
    found = (
        await session.execute(statement, {"user_id": user_id, "question_id": question_id})
    ).first()
    if found is None:
        return None
    track_id, retention, card_id, *rest = found
    state = None if card_id is None else CardState(card_id, *rest)
    return int(track_id), state, retention


_logs, _attempts = cast(Table, ReviewLog.__table__), cast(Table, Attempt.__table__)
Keys = tuple[str, ...]


def _binds(table: Table, prefix: str, keys: Keys) -> dict[str, Any]:
    return {k: bindparam(f"{prefix}_{k}", type_=table.c[k].type) for k in keys}


@lru_cache(maxsize=16)
def _rating_statements(
    dialect: str, new_card: bool, card: Keys, log: Keys, attempt: Keys | None
) -> tuple[Any, ...]:
    """The statements of a rating, built once per shape with bound parameters (building
    them per request cost more than running them: each new statement's cache key is
    computed again). PostgreSQL: one statement; SQLite: the card's, the log's, the
    attempt's."""
    values = _binds(_cards, "card", card)
    if new_card:
        insert_card = pg_insert if dialect == "postgresql" else sqlite_insert
        write: Any = (
            insert_card(_cards)
            .values(values)
            .on_conflict_do_nothing(index_elements=[_cards.c.user_id, _cards.c.question_id])
            .returning(_cards.c.id)
        )
    else:
        write = (
            update(_cards)
            .where(_cards.c.id == bindparam("read_id"), _cards.c.reps == bindparam("read_reps"))
            .values(values)
        )
    if dialect != "postgresql":
        logged = insert(_logs).values(card_id=bindparam("card_id"), **_binds(_logs, "log", log))
        tried = (
            None
            if attempt is None
            else insert(_attempts).values(_binds(_attempts, "attempt", attempt))
        )
        return write, logged, tried
    if not new_card:
        write = write.returning(_cards.c.id)
    written = write.cte("card")
    query = select(written.c.id)
    for table, prefix, keys in ((_logs, "log", log), (_attempts, "attempt", attempt)):
        if keys is None:
            continue
        binds = _binds(table, prefix, keys)
        columns = ["card_id", *keys] if table is _logs else list(keys)
        rows = select(*([written.c.id] if table is _logs else []), *binds.values())
        query = query.add_cte(
            insert(table)
            .from_select(columns, rows.select_from(written))
            .returning(table.c.id)
            .cte(f"{prefix}_row")
        )
    return (query,)


def _params(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}_{k}": v for k, v in values.items()}


async def save_rating(
    session: AsyncSession,
    *,
    card: dict[str, Any],
    read: CardState | None,
    log: dict[str, Any],
    attempt: dict[str, Any] | None,
) -> int | None:
    """Write a rating: the card's new state (an UPDATE of the card as `read`, or the INSERT
    of a new card), its review log row and, for a review, the attempt. One statement on
    PostgreSQL (data-modifying CTEs), three on SQLite; in the caller's transaction.

    Returns the card's id, or None when a concurrent rating got there first: it inserted
    the new card, or changed the card since it was read (its `reps` moved on). Nothing was
    written then: read it again and re-rate."""
    dialect = dialect_of(session)
    statements = _rating_statements(
        dialect, read is None, tuple(card), tuple(log), None if attempt is None else tuple(attempt)
    )
    params = _params("card", card) | _params("log", log) | _params("attempt", attempt or {})
    if read is not None:
        params |= {"read_id": read.id, "read_reps": read.reps}
    conn = await session.connection()
    if dialect == "postgresql":
        found: int | None = await conn.scalar(statements[0], params)
        return found
    write, logged, tried = statements
    if read is None:
        card_id = await conn.scalar(write, params)
        if card_id is None:
            return None
    elif (await conn.execute(write, params)).rowcount != 1:
        return None
    else:
        card_id = read.id
    await conn.execute(logged, {**params, "card_id": card_id})
    if tried is not None:
        await conn.execute(tried, params)
    return int(card_id)


async def builtin_question_id(session: AsyncSession, *, number: int) -> int | None:
    """The id of the built-in track's question `number`."""
    return await session.scalar(
        select(Question.id)
        .join(Track, Track.id == Question.track_id)
        .where(Track.slug == BUILTIN_TRACK, Question.number == number)
    )


async def track_of_question(session: AsyncSession, *, question_id: int) -> Track | None:
    return await session.scalar(
        select(Track)
        .join(Question, Question.track_id == Track.id)
        .where(Question.id == question_id)
    )


async def review_days(session: AsyncSession, *, user_id: int, since: datetime) -> list[datetime]:
    rows = await session.scalars(
        select(ReviewLog.reviewed_at).where(
            ReviewLog.user_id == user_id, ReviewLog.reviewed_at >= since
        )
    )
    return list(rows.all())


async def due_dates(session: AsyncSession, *, user_id: int) -> list[datetime]:
    rows = await session.scalars(select(ReviewCard.due).where(ReviewCard.user_id == user_id))
    return list(rows.all())


async def disputes(session: AsyncSession) -> list[tuple[PointDispute, int]]:
    """Every dispute, oldest first, with its question's number."""
    rows = await session.execute(
        select(PointDispute, Question.number)
        .join(Question, Question.id == PointDispute.question_id)
        .order_by(PointDispute.created_at, PointDispute.id)
    )
    return [(dispute, number) for dispute, number in rows]


async def attempts_of(session: AsyncSession, *, user_id: int) -> Sequence[Attempt]:
    return (await session.scalars(select(Attempt).where(Attempt.user_id == user_id))).all()


# Mock interviews ---------------------------------------------------------------------------------


async def template_exists(session: AsyncSession, *, slug: str) -> bool:
    found = await session.scalar(select(MockTemplate.id).where(MockTemplate.slug == slug))
    return found is not None


async def templates(session: AsyncSession) -> list[MockTemplate]:
    return list((await session.scalars(select(MockTemplate).order_by(MockTemplate.id))).all())


async def template(session: AsyncSession, *, slug: str) -> MockTemplate | None:
    return await session.scalar(select(MockTemplate).where(MockTemplate.slug == slug))


async def template_by_id(session: AsyncSession, *, template_id: int) -> MockTemplate | None:
    return await session.get(MockTemplate, template_id)


async def questions_to_draw(session: AsyncSession, *, track_id: int) -> list[Question]:
    rows = await session.scalars(
        select(Question)
        .where(Question.track_id == track_id)
        .options(selectinload(Question.category))
        .order_by(Question.position)
    )
    return list(rows.all())


def _with_items(query: Select[MockInterview]) -> Select[MockInterview]:
    """Interviews with their items, questions, answers and categories (relationships raise)."""
    question = selectinload(MockInterview.items).selectinload(MockItem.question)
    return query.options(
        question.selectinload(Question.answer), question.selectinload(Question.category)
    )


async def interview(session: AsyncSession, *, interview_id: int) -> MockInterview | None:
    return await session.scalar(
        _with_items(select(MockInterview).where(MockInterview.id == interview_id))
    )


async def interview_by_invite(session: AsyncSession, *, invite_hash: str) -> MockInterview | None:
    return await session.scalar(
        select(MockInterview).where(MockInterview.invite_hash == invite_hash)
    )


async def interviews_of(session: AsyncSession, *, user_id: int, limit: int) -> list[MockInterview]:
    """The interviews a user takes or runs, newest first, loaded in one go."""
    rows = await session.scalars(
        _with_items(
            select(MockInterview)
            .where(
                (MockInterview.candidate_id == user_id) | (MockInterview.interviewer_id == user_id)
            )
            .order_by(MockInterview.id.desc())
            .limit(limit)
        )
    )
    return list(rows.all())

"""Practice tables: review cards and their log, review settings, mock interviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from viva.bank.models import Question
from viva.clock import now
from viva.db import Base, UTCDateTime


class ReviewCard(Base):
    """One question as a flash card for one user, with its FSRS memory state."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_cards_user_id_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[int] = mapped_column(Integer, default=1)  # fsrs.State
    step: Mapped[int | None] = mapped_column(Integer, default=0)
    stability: Mapped[float | None] = mapped_column(Float, default=None)
    difficulty: Mapped[float | None] = mapped_column(Float, default=None)
    due: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    question: Mapped[Question] = relationship(lazy="raise")


class ReviewLog(Base):
    """Every rating a card received, and where it came from (review, challenge, mock)."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user_id_reviewed_at", "user_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)  # 1 Again, 2 Hard, 3 Good, 4 Easy
    source: Mapped[str] = mapped_column(String(16), default="review")
    coverage: Mapped[float | None] = mapped_column(Float, default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ReviewSetting(Base):
    """A user's desired retention for one track."""

    __tablename__ = "review_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    desired_retention: Mapped[float] = mapped_column(Float, default=0.9)
    new_per_day: Mapped[int] = mapped_column(Integer, default=10)


class MockTemplate(Base):
    """How a mock interview is drawn: track, length, category weights, difficulty mix."""

    __tablename__ = "mock_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    category_weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    difficulty_mix: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    hint_penalty: Mapped[float] = mapped_column(Float, default=0.1)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class MockInterview(Base):
    """One timed session; in interviewer mode it has an interviewer and an invite."""

    __tablename__ = "mock_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("mock_templates.id", ondelete="SET NULL"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    interviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # created → running → submitted → (interviewer mode) scored → released
    status: Mapped[str] = mapped_column(String(16), default="created")
    duration_seconds: Mapped[int] = mapped_column(Integer)
    hint_penalty: Mapped[float] = mapped_column(Float, default=0.1)
    current: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    auto_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    signal: Mapped[str | None] = mapped_column(String(16), default=None)  # hire | no_hire
    private_summary: Mapped[str] = mapped_column(Text, default="")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    items: Mapped[list[MockItem]] = relationship(
        lazy="raise", order_by="MockItem.position", back_populates="interview"
    )


class MockItem(Base):
    """A question inside a mock interview: the answer, notes, hints, time and scores."""

    __tablename__ = "mock_items"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("mock_interviews.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    hints: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    time_spent_ms: Mapped[int] = mapped_column(Integer, default=0)
    covered: Mapped[list[bool]] = mapped_column(JSON, default=list)  # by the matcher
    rubric: Mapped[list[int]] = mapped_column(JSON, default=list)  # interviewer, 1-4 per point
    private_notes: Mapped[str] = mapped_column(Text, default="")

    interview: Mapped[MockInterview] = relationship(lazy="raise", back_populates="items")
    question: Mapped[Question] = relationship(lazy="raise")


class PointDispute(Base):
    """A candidate's "I did cover this" on a key point the checker did not credit.

    The question's key points and the typed answer are kept as they were, so a dispute can be
    exported into the checker's evaluation set (``bench/export_disputes.py``) even after the
    model answer changes.
    """

    __tablename__ = "point_disputes"
    __table_args__ = (Index("ix_point_disputes_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    point_index: Mapped[int] = mapped_column(Integer)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    contradicted: Mapped[bool] = mapped_column(Boolean, default=False)  # what the checker said
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

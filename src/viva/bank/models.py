"""Tables of the question bank: tracks, categories, questions and their model answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from viva.clock import now
from viva.db import Base, UTCDateTime

# The slug of the seed track Viva ships (bank/builtin.py loads it at start-up); the review deck,
# mock templates and the CLI default to it.
BUILTIN_TRACK = "python-fastapi-sql"


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    categories: Mapped[list[Category]] = relationship(
        back_populates="track", lazy="raise", order_by="Category.position"
    )


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("track_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)

    track: Mapped[Track] = relationship(back_populates="categories", lazy="raise")


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("track_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # None: the imported file said nothing, and Viva does not guess ("unset" on pages).
    kind: Mapped[str | None] = mapped_column(String(16), index=True, default=None)
    difficulty: Mapped[str | None] = mapped_column(String(16), index=True, default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))

    category: Mapped[Category] = relationship(lazy="raise")
    answer: Mapped[Answer | None] = relationship(
        lazy="raise", back_populates="question", uselist=False
    )


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    key_points: Mapped[list[str]] = mapped_column(JSON, default=list)
    pitfalls: Mapped[list[str]] = mapped_column(JSON, default=list)
    follow_ups: Mapped[list[str]] = mapped_column(JSON, default=list)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    in_viva: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[str | None] = mapped_column(String(16), default=None)
    kind: Mapped[str | None] = mapped_column(String(16), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))

    question: Mapped[Question] = relationship(back_populates="answer", lazy="raise")

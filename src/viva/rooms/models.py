"""Room tables: a live interview room and its timeline (edits, runs, verdicts, signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from viva.clock import now as utcnow
from viva.db import Base, UTCDateTime


class Room(Base):
    """One live interview: an interviewer, at most one candidate, one shared document.

    `notes`, `rubric` and `signal` are the interviewer's private panel: they are only ever
    sent to the interviewer (HTTP and the interviewer's control socket), never to the
    candidate's socket.
    """

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    invite_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    mock_interview_id: Mapped[int | None] = mapped_column(
        ForeignKey("mock_interviews.id", ondelete="SET NULL"), default=None
    )
    challenge_slug: Mapped[str | None] = mapped_column(String(80), default=None)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), default=None
    )
    language: Mapped[str] = mapped_column(String(16), default="python")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    # The shared document as a Yjs update (pycrdt), so a reopened room resumes exactly.
    doc_state: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    rubric: Mapped[list[int]] = mapped_column(JSON, default=list)  # 1-4 per key point
    signal: Mapped[str | None] = mapped_column(String(16), default=None)  # hire | no_hire
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class RoomEvent(Base):
    """The room's timeline, for the replay: code snapshots, runs, verdicts, joins, signals."""

    __tablename__ = "room_events"
    __table_args__ = (Index("ix_room_events_room_id_at", "room_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # edit run verdict join leave paste blur focus
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within one timestamp

"""Submissions: every graded attempt, stored before it is graded so none is ever lost."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from viva.clock import now
from viva.db import Base, UTCDateTime


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"  # claimed by one process until `lease_expires_at`
    DONE = "done"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_user_id_challenge", "user_id", "challenge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(String(80), index=True)
    source: Mapped[str] = mapped_column(Text)
    dialect: Mapped[str | None] = mapped_column(String(16), default=None)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)  # a SubmissionStatus
    verdict: Mapped[str | None] = mapped_column(String(32), default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    passed: Mapped[int | None] = mapped_column(Integer, default=None)
    total: Mapped[int | None] = mapped_column(Integer, default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The grading claim: which process grades it, and until when unless it renews the lease.
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AuthoredChallenge(Base):
    """A Python challenge written by an interviewer through the API (shipped ones are files).

    Stored only after its reference solution was Accepted in the sandbox."""

    __tablename__ = "authored_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    prompt: Mapped[str] = mapped_column(Text)
    starter: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

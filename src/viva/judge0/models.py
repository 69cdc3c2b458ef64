"""Judge0 submissions: every job stored before it runs, so none is lost to a restart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from viva.clock import now as utcnow
from viva.db import Base, UTCDateTime


class Judge0Submission(Base):
    """One Judge0 job. Inputs are kept as bytes (Judge0 takes any base64), outputs as text;
    `options` holds every Judge0 request option with the defaults applied."""

    __tablename__ = "judge0_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language_id: Mapped[int] = mapped_column(Integer)
    source_code: Mapped[bytes] = mapped_column(LargeBinary)
    stdin: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    expected_output: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    additional_files: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    callback_url: Mapped[str | None] = mapped_column(Text, default=None)
    viva_tests: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    status_id: Mapped[int] = mapped_column(Integer, index=True)
    stdout: Mapped[str | None] = mapped_column(Text, default=None)
    stderr: Mapped[str | None] = mapped_column(Text, default=None)
    compile_output: Mapped[str | None] = mapped_column(Text, default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    exit_signal: Mapped[int | None] = mapped_column(Integer, default=None)
    time: Mapped[float | None] = mapped_column(Float, default=None)
    wall_time: Mapped[float | None] = mapped_column(Float, default=None)
    memory: Mapped[int | None] = mapped_column(Integer, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

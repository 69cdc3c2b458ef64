"""Judge0 submissions: a Judge0 job's inputs and result, beside the grading `submissions` row
that carries it through the grading queue (its claim, lease, attempts and timestamps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from viva.clock import now as utcnow
from viva.db import Base, UTCDateTime
from viva.grading.models import Submission

KIND = "judge0:run"  # the `challenge` of a Judge0 job's grading row (never a challenge slug)


class Judge0Submission(Base):
    """One Judge0 job. Inputs are kept as bytes (Judge0 takes any base64), outputs as text;
    `options` holds every Judge0 request option with the defaults applied. `status_id` is
    the final status once the run is stored; until then `job` (queued or running) says."""

    __tablename__ = "judge0_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language_id: Mapped[int] = mapped_column(Integer)
    source_code: Mapped[bytes] = mapped_column(LargeBinary)
    stdin: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    expected_output: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    additional_files: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    callback_url: Mapped[str | None] = mapped_column(Text, default=None)
    viva_tests: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    status_id: Mapped[int] = mapped_column(Integer)
    stdout: Mapped[str | None] = mapped_column(Text, default=None)
    stderr: Mapped[str | None] = mapped_column(Text, default=None)
    compile_output: Mapped[str | None] = mapped_column(Text, default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    exit_signal: Mapped[int | None] = mapped_column(Integer, default=None)
    time: Mapped[float | None] = mapped_column(Float, default=None)
    wall_time: Mapped[float | None] = mapped_column(Float, default=None)
    memory: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The grading row: loaded with every query of this table (repository.py), never lazily.
    job: Mapped[Submission] = relationship(lazy="raise")

"""Practice: review cards, review log, review settings, mock templates and interviews.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from viva.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete=ondelete, name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "review_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", UTCDateTime(), nullable=False),
        sa.Column("last_review", UTCDateTime(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_cards"),
        _fk("review_cards", "user_id", "users", "CASCADE"),
        _fk("review_cards", "question_id", "questions", "CASCADE"),
        sa.UniqueConstraint("user_id", "question_id", name="uq_review_cards_user_id"),
    )
    op.create_index("ix_review_cards_user_id_due", "review_cards", ["user_id", "due"])
    op.create_table(
        "review_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_logs"),
        _fk("review_logs", "card_id", "review_cards", "CASCADE"),
        _fk("review_logs", "user_id", "users", "CASCADE"),
    )
    op.create_index("ix_review_logs_user_id_reviewed_at", "review_logs", ["user_id", "reviewed_at"])
    op.create_table(
        "review_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("desired_retention", sa.Float(), nullable=False),
        sa.Column("new_per_day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "track_id", name="pk_review_settings"),
        _fk("review_settings", "user_id", "users", "CASCADE"),
        _fk("review_settings", "track_id", "tracks", "CASCADE"),
    )
    op.create_table(
        "mock_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("category_weights", sa.JSON(), nullable=False),
        sa.Column("difficulty_mix", sa.JSON(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("hint_penalty", sa.Float(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mock_templates"),
        _fk("mock_templates", "track_id", "tracks", "CASCADE"),
        _fk("mock_templates", "created_by", "users", "SET NULL"),
        sa.UniqueConstraint("slug", name="uq_mock_templates_slug"),
    )
    op.create_table(
        "mock_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("interviewer_id", sa.Integer(), nullable=True),
        sa.Column("invite_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("hint_penalty", sa.Float(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("auto_submitted", sa.Boolean(), nullable=False),
        sa.Column("signal", sa.String(16), nullable=True),
        sa.Column("private_summary", sa.Text(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mock_interviews"),
        _fk("mock_interviews", "template_id", "mock_templates", "SET NULL"),
        _fk("mock_interviews", "candidate_id", "users", "CASCADE"),
        _fk("mock_interviews", "interviewer_id", "users", "SET NULL"),
        sa.UniqueConstraint("invite_hash", name="uq_mock_interviews_invite_hash"),
    )
    op.create_index("ix_mock_interviews_candidate_id", "mock_interviews", ["candidate_id"])
    op.create_index("ix_mock_interviews_interviewer_id", "mock_interviews", ["interviewer_id"])
    op.create_table(
        "mock_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("time_spent_ms", sa.Integer(), nullable=False),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("private_notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mock_items"),
        _fk("mock_items", "interview_id", "mock_interviews", "CASCADE"),
        _fk("mock_items", "question_id", "questions", "CASCADE"),
        sa.UniqueConstraint("interview_id", "position", name="uq_mock_items_interview_id"),
    )


def downgrade() -> None:
    for table in (
        "mock_items",
        "mock_interviews",
        "mock_templates",
        "review_settings",
        "review_logs",
        "review_cards",
    ):
        op.drop_table(table)

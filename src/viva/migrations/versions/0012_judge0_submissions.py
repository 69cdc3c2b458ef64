"""Judge0 submissions (the /judge0 API).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from viva.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "judge0_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("language_id", sa.Integer(), nullable=False),
        sa.Column("source_code", sa.LargeBinary(), nullable=False),
        sa.Column("stdin", sa.LargeBinary(), nullable=True),
        sa.Column("expected_output", sa.LargeBinary(), nullable=True),
        sa.Column("additional_files", sa.LargeBinary(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("callback_url", sa.Text(), nullable=True),
        sa.Column("viva_tests", sa.JSON(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("stdout", sa.Text(), nullable=True),
        sa.Column("stderr", sa.Text(), nullable=True),
        sa.Column("compile_output", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("exit_signal", sa.Integer(), nullable=True),
        sa.Column("time", sa.Float(), nullable=True),
        sa.Column("wall_time", sa.Float(), nullable=True),
        sa.Column("memory", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_judge0_submissions"),
        sa.UniqueConstraint("token", name="uq_judge0_submissions_token"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_judge0_submissions_user_id_users",
        ),
    )
    op.create_index("ix_judge0_submissions_user_id", "judge0_submissions", ["user_id"])
    op.create_index("ix_judge0_submissions_status_id", "judge0_submissions", ["status_id"])


def downgrade() -> None:
    op.drop_index("ix_judge0_submissions_status_id", table_name="judge0_submissions")
    op.drop_index("ix_judge0_submissions_user_id", table_name="judge0_submissions")
    op.drop_table("judge0_submissions")

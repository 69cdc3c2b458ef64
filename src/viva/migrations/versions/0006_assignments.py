"""Interviewer-candidate assignments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("interviewer_id", "candidate_id", name="pk_assignments"),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_assignments_interviewer_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_assignments_candidate_id_users",
        ),
    )


def downgrade() -> None:
    op.drop_table("assignments")

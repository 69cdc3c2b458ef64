"""Grading claims with a lease; the missing keys and indexes of grading and practice.

A submission is claimed by one process (`claimed_by`) until `lease_expires_at`, which the
grader renews while it grades: a starting process takes over only expired claims. The
submitter and the author of a challenge become foreign keys (NULL when the user is gone),
and the lookups by card, question, template, track and user get their indexes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from viva.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_authored_challenges_author_id", "authored_challenges", ["author_id"]),
    ("ix_submissions_user_id_challenge", "submissions", ["user_id", "challenge"]),
    ("ix_review_cards_question_id", "review_cards", ["question_id"]),
    ("ix_review_logs_card_id", "review_logs", ["card_id"]),
    ("ix_review_settings_track_id", "review_settings", ["track_id"]),
    ("ix_mock_templates_track_id", "mock_templates", ["track_id"]),
    ("ix_mock_templates_created_by", "mock_templates", ["created_by"]),
    ("ix_mock_interviews_template_id", "mock_interviews", ["template_id"]),
    ("ix_mock_items_question_id", "mock_items", ["question_id"]),
    ("ix_point_disputes_user_id", "point_disputes", ["user_id"]),
    ("ix_point_disputes_question_id", "point_disputes", ["question_id"]),
)


def upgrade() -> None:
    # Rows of users deleted before the keys existed keep their work, without an owner.
    op.execute("UPDATE submissions SET user_id = NULL WHERE user_id NOT IN (SELECT id FROM users)")
    op.execute(
        "UPDATE authored_challenges SET author_id = NULL "
        "WHERE author_id NOT IN (SELECT id FROM users)"
    )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_submissions_user_id_users", "users", ["user_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("authored_challenges") as batch:
        batch.create_foreign_key(
            "fk_authored_challenges_author_id_users",
            "users",
            ["author_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in _INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("authored_challenges") as batch:
        batch.drop_constraint("fk_authored_challenges_author_id_users", type_="foreignkey")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("fk_submissions_user_id_users", type_="foreignkey")
        batch.drop_column("lease_expires_at")
        batch.drop_column("claimed_by")

"""Live interview rooms and their timeline.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from viva.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("interviewer_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("invite_hash", sa.String(64), nullable=True),
        sa.Column("invite_expires_at", UTCDateTime(), nullable=True),
        sa.Column("mock_interview_id", sa.Integer(), nullable=True),
        sa.Column("challenge_slug", sa.String(80), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doc_state", sa.LargeBinary(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("signal", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
        sa.UniqueConstraint("invite_hash", name="uq_rooms_invite_hash"),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_rooms_interviewer_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_rooms_candidate_id_users",
        ),
        sa.ForeignKeyConstraint(
            ["mock_interview_id"],
            ["mock_interviews.id"],
            ondelete="SET NULL",
            name="fk_rooms_mock_interview_id_mock_interviews",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            ondelete="SET NULL",
            name="fk_rooms_question_id_questions",
        ),
    )
    op.create_index("ix_rooms_interviewer_id", "rooms", ["interviewer_id"])
    op.create_index("ix_rooms_candidate_id", "rooms", ["candidate_id"])
    op.create_table(
        "room_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_room_events"),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], ondelete="CASCADE", name="fk_room_events_room_id_rooms"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], ondelete="SET NULL", name="fk_room_events_actor_id_users"
        ),
    )
    op.create_index("ix_room_events_room_id_at", "room_events", ["room_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_room_events_room_id_at", table_name="room_events")
    op.drop_table("room_events")
    op.drop_index("ix_rooms_candidate_id", table_name="rooms")
    op.drop_index("ix_rooms_interviewer_id", table_name="rooms")
    op.drop_table("rooms")

"""Kind and difficulty may be unset; the missing keys and indexes of bank and accounts.

An imported file without a marker no longer gets a guessed "theory"/"medium": the columns
become nullable. The audit log's actor becomes a foreign key (kept as NULL when the user is
deleted), and the lookups by login link user, attempt question and assigned candidate get
their indexes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_login_links_user_id", "login_links", "user_id"),
    ("ix_attempts_question_id", "attempts", "question_id"),
    ("ix_assignments_candidate_id", "assignments", "candidate_id"),
)


def upgrade() -> None:
    # SQLite rebuilds a table to change a column; env.py turns foreign keys off meanwhile, so
    # dropping the old `questions` does not cascade into answers, cards and attempts.
    for table in ("questions", "answers"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(16), nullable=True)
            batch.alter_column("difficulty", existing_type=sa.String(16), nullable=True)
    # Entries of users deleted before the key existed keep their text, without an actor.
    op.execute("UPDATE audit_log SET actor_id = NULL WHERE actor_id NOT IN (SELECT id FROM users)")
    with op.batch_alter_table("audit_log") as batch:
        batch.create_foreign_key(
            "fk_audit_log_actor_id_users", "users", ["actor_id"], ["id"], ondelete="SET NULL"
        )
    for name, table, column in _INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in _INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("fk_audit_log_actor_id_users", type_="foreignkey")
    for table in ("questions", "answers"):
        op.execute(f"UPDATE {table} SET kind = 'theory' WHERE kind IS NULL")  # noqa: S608
        op.execute(f"UPDATE {table} SET difficulty = 'medium' WHERE difficulty IS NULL")  # noqa: S608
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(16), nullable=False)
            batch.alter_column("difficulty", existing_type=sa.String(16), nullable=False)

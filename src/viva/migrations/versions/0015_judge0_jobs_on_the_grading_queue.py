"""Judge0 jobs ride the grading queue: each Judge0 submission gets a `submissions` row.

The row (`challenge` = "judge0:run", no owner, no source) carries the job's claim, lease,
attempts and timestamps, so the Judge0 table loses its own copies (`attempts`, `started_at`,
`finished_at`) and its status index; `judge0_submissions.submission_id` points at the row.
Existing Judge0 submissions get theirs: a finished one done with its verdict, an unfinished
one queued again (the runner that held it has stopped for the migration).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from viva.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The new rows' `challenge` is "judge0:run" (viva.judge0.models.KIND); each is paired with
# its Judge0 submission through a temporary `source`; the verdict is what jobs.VERDICTS maps
# the Judge0 status to.


def upgrade() -> None:
    with op.batch_alter_table("judge0_submissions") as batch:
        batch.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
    op.execute(
        "INSERT INTO submissions (challenge, source, status, verdict, score, passed, total,"
        " message, tests, attempts, created_at, started_at, finished_at)"
        " SELECT 'judge0:run', 'judge0-migrated-' || CAST(j.id AS VARCHAR(20)),"
        " CASE WHEN j.status_id IN (1, 2) THEN 'queued' ELSE 'done' END,"
        " CASE WHEN j.status_id IN (1, 2) THEN NULL WHEN j.status_id = 3 THEN 'Accepted'"
        " WHEN j.status_id = 4 THEN 'Wrong Answer' WHEN j.status_id = 5"
        " THEN 'Time Limit Exceeded' WHEN j.status_id = 6 THEN 'Syntax Error'"
        " WHEN j.status_id = 8 THEN 'Output Limit Exceeded' WHEN j.status_id = 13"
        " THEN 'Internal Error' WHEN j.status_id = 15 THEN 'Memory Limit Exceeded'"
        " ELSE 'Runtime Error' END,"
        " CASE WHEN j.status_id IN (1, 2) THEN NULL WHEN j.status_id = 3 THEN 1.0 ELSE 0.0 END,"
        " CASE WHEN j.status_id IN (1, 2) THEN NULL ELSE 0 END,"
        " CASE WHEN j.status_id IN (1, 2) THEN NULL ELSE 0 END,"
        " '', '[]', j.attempts, j.created_at, j.started_at, j.finished_at"
        " FROM judge0_submissions j ORDER BY j.id"
    )
    op.execute(
        "UPDATE judge0_submissions SET submission_id = (SELECT s.id FROM submissions s"
        " WHERE s.challenge = 'judge0:run'"
        " AND s.source = 'judge0-migrated-' || CAST(judge0_submissions.id AS VARCHAR(20)))"
    )
    op.execute("UPDATE submissions SET source = '' WHERE challenge = 'judge0:run'")
    op.drop_index("ix_judge0_submissions_status_id", table_name="judge0_submissions")
    with op.batch_alter_table("judge0_submissions") as batch:
        batch.alter_column("submission_id", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_judge0_submissions_submission_id", ["submission_id"])
        batch.create_foreign_key(
            "fk_judge0_submissions_submission_id_submissions",
            "submissions",
            ["submission_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.drop_column("attempts")
        batch.drop_column("started_at")
        batch.drop_column("finished_at")


def downgrade() -> None:
    with op.batch_alter_table("judge0_submissions") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("started_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("finished_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE judge0_submissions SET"
        " attempts = (SELECT s.attempts FROM submissions s"
        " WHERE s.id = judge0_submissions.submission_id),"
        " started_at = (SELECT s.started_at FROM submissions s"
        " WHERE s.id = judge0_submissions.submission_id),"
        " finished_at = (SELECT s.finished_at FROM submissions s"
        " WHERE s.id = judge0_submissions.submission_id)"
    )
    # Not finished: In Queue again (the old runner claims by status and attempts); done
    # without a result of its own (given up after interruptions): Internal Error.
    op.execute(
        "UPDATE judge0_submissions SET status_id = 1 WHERE submission_id IN"
        " (SELECT id FROM submissions WHERE status <> 'done')"
    )
    op.execute(
        "UPDATE judge0_submissions SET status_id = 13, message = (SELECT s.message FROM"
        " submissions s WHERE s.id = judge0_submissions.submission_id) WHERE status_id < 3"
        " AND submission_id IN (SELECT id FROM submissions WHERE status = 'done')"
    )
    with op.batch_alter_table("judge0_submissions") as batch:
        batch.alter_column("attempts", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("fk_judge0_submissions_submission_id_submissions", type_="foreignkey")
        batch.drop_constraint("uq_judge0_submissions_submission_id", type_="unique")
        batch.drop_column("submission_id")
    op.create_index("ix_judge0_submissions_status_id", "judge0_submissions", ["status_id"])
    op.execute("DELETE FROM submissions WHERE challenge = 'judge0:run'")

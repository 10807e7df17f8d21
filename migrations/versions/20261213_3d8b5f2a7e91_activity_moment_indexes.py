"""Indexes on the moments of activity, for the cohort report's Last activity (issue 15)

The report's "Last activity" total is the newest moment of any kept candidate in ten kinds of activity
(assessors/queries.py, `activity_branches`). Without an index on the moment each table was read whole for it
(30,000 evidence versions, 24,751 activity completions at tier M, ten times as many at L); with one, each
kind's newest row is read backwards along the index, stopping at the first that belongs to a kept
candidate. Indexes only: no data changes.
"""

from alembic import op


revision = "3d8b5f2a7e91"
down_revision = "5c7e1a9b2d40"
branch_labels = None
depends_on = None

INDEXES = (
    ("study_positions", "updated_at"),
    ("activity_completions", "completed_at"),
    ("quiz_attempts", "submitted_at"),
    ("reflection_drafts", "updated_at"),
    ("study_logs", "logged_at"),
    ("evidence_versions", "created_at"),
    ("submissions", "submitted_at"),
    ("apl_claims", "created_at"),
    ("apl_claims", "submitted_at"),
    ("session_bookings", "attended_at"),
)


def upgrade():
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)

"""The assessor queue's keyset indexes (issue 15)

Each branch of the queue (assessors/queue/queries/branches.py) reads one table in (waiting since, id) order
from the page's cursor on, and stops after a page's worth of rows: these partial indexes hold exactly the
rows of one branch in that order: waiting first attempts and resubmissions, open assessments of attempts
and of APL claims, submitted APL claims, planned observations and active module enrolments. On PostgreSQL
each predicate is written `(CASE WHEN <predicate> THEN 1 END) IS NOT NULL`, as the queue's conditions are,
so the planner expects many rows from it even with no statistics and reads the index in order up to the
page's LIMIT instead of reading all of it to sort it (core/db/paging.py, `keyset_index`). Indexes only: no data changes.
"""

from alembic import op
import sqlalchemy as sa


revision = "9d3f6a2c4b17"
down_revision = "9f313b8e604c"
branch_labels = None
depends_on = None

_OPEN = "status IN ('not_started', 'in_marking')"
INDEXES = (
    # name, table, columns, predicate
    (
        "ix_submissions_waiting_first",
        "submissions",
        ["submitted_at", "id"],
        "status = 'submitted' AND attempt <= 1",
    ),
    (
        "ix_submissions_waiting_again",
        "submissions",
        ["submitted_at", "id"],
        "status = 'submitted' AND attempt > 1",
    ),
    (
        "ix_assessments_open_attempts",
        "assessments",
        ["waiting_since", "submission_id"],
        f"{_OPEN} AND submission_id IS NOT NULL",
    ),
    (
        "ix_assessments_open_claims",
        "assessments",
        ["waiting_since", "apl_claim_id"],
        f"{_OPEN} AND apl_claim_id IS NOT NULL",
    ),
    ("ix_apl_claims_waiting", "apl_claims", ["submitted_at", "id"], "status = 'submitted'"),
    ("ix_observations_to_write_up", "observations", ["planned_for", "id"], "status = 'planned'"),
    ("ix_module_enrolments_active", "module_enrolments", ["enrolled_at", "id"], "status = 'active'"),
)


def upgrade():
    for name, table, columns, predicate in INDEXES:
        op.create_index(
            name,
            table,
            columns,
            unique=False,
            sqlite_where=sa.text(predicate),
            postgresql_where=sa.text(f"(CASE WHEN {predicate} THEN 1 END) IS NOT NULL"),
        )


def downgrade():
    for name, table, _columns, _predicate in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""The assessor queue's counts from indexes (issue 15, W3 at tier L)

Two indexes, so that a queue page costs the same with 20,000 candidates in the cohort as with 2,000: a
cohort's candidates by status, counted from the index (whether anyone has no assessor:
assessors/queue/queries/allocated.py), and an assessor's allocations by cohort and candidate (whether they
have any candidate in a cohort is one probe; their candidates read from the index). The second replaces
the index on assessor_id alone, which it leads with.
"""

from alembic import op


revision = "7b2e4d9a1c36"
down_revision = "3d8b5f2a7e91"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_cohort_members_cohort_id_role_status", "cohort_members", ["cohort_id", "role", "status"]
    )
    op.create_index(
        "ix_assessor_allocations_assessor_id_cohort_id",
        "assessor_allocations",
        ["assessor_id", "cohort_id", "candidate_id"],
    )
    op.drop_index("ix_assessor_allocations_assessor_id", table_name="assessor_allocations")


def downgrade():
    op.create_index("ix_assessor_allocations_assessor_id", "assessor_allocations", ["assessor_id"])
    op.drop_index("ix_assessor_allocations_assessor_id_cohort_id", table_name="assessor_allocations")
    op.drop_index("ix_cohort_members_cohort_id_role_status", table_name="cohort_members")

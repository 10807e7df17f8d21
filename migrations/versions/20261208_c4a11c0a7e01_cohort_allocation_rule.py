"""Cohorts have an allocation rule: candidates who join are allocated by even spread, or by hand

Issue 11: a candidate invited after the cohort was set up had no assessor and their work reached nobody.
Existing cohorts get even spread.
"""

from alembic import op
import sqlalchemy as sa

revision = "c4a11c0a7e01"
down_revision = "ca7f0e2d1b35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("allocation_rule", sa.String(length=12), server_default="even", nullable=False))
        batch.create_check_constraint(op.f("ck_cohorts_allocation_rule_known"), "allocation_rule IN ('even', 'manual')")


def downgrade():
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_constraint("ck_cohorts_allocation_rule_known", type_="check")
        batch.drop_column("allocation_rule")

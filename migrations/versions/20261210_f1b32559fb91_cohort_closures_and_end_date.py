"""Cohorts have closure days and an end date

Issue 12: the university's closure days (24 December to 2 January, say) stop the turnaround clock like bank
holidays (issue 11: a due date fell on 25 December); the cohort's settings gain an optional end date.
"""

from alembic import op
import sqlalchemy as sa

revision = "f1b32559fb91"
down_revision = "d24f39421f8a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_cohorts_ends_after_start"), "end_date IS NULL OR end_date >= start_date"
        )
    op.create_table(
        "cohort_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_cohort_closures_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_closures_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_closures")),
    )
    with op.batch_alter_table("cohort_closures") as batch:
        batch.create_index(batch.f("ix_cohort_closures_cohort_id"), ["cohort_id"], unique=False)


def downgrade():
    with op.batch_alter_table("cohort_closures") as batch:
        batch.drop_index(batch.f("ix_cohort_closures_cohort_id"))
    op.drop_table("cohort_closures")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_constraint("ck_cohorts_ends_after_start", type_="check")
        batch.drop_column("end_date")

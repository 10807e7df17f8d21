"""Candidates over the year: a membership status (studying, on a break, withdrawn, transferred) and breaks
in learning

Issue 12: a course leader suspends a candidate for a break in learning (their deadlines and turnaround
clocks stop), withdraws them (their work is kept, read-only) or transfers them to another cohort. Every
existing membership is active.
"""

from alembic import op
import sqlalchemy as sa


revision = "d24f39421f8a"
down_revision = "c403006fd9ad"
branch_labels = None
depends_on = None

STATUSES = "status IN ('active', 'suspended', 'withdrawn', 'transferred')"


def upgrade():
    with op.batch_alter_table("cohort_members") as batch:
        batch.add_column(sa.Column("status", sa.String(length=12), server_default="active", nullable=False))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("left_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("transferred_to_id", sa.Integer(), nullable=True))
        batch.create_check_constraint(op.f("ck_cohort_members_status_known"), STATUSES)
        batch.create_foreign_key(
            op.f("fk_cohort_members_transferred_to_id_cohort_members"),
            "cohort_members",
            ["transferred_to_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "learning_breaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("expected_return_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expected_return_on > starts_on", name=op.f("ck_learning_breaks_return_after_start")
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_learning_breaks_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["cohort_members.id"],
            name=op.f("fk_learning_breaks_member_id_cohort_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_learning_breaks_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["users.id"],
            name=op.f("fk_learning_breaks_ended_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_breaks")),
    )
    with op.batch_alter_table("learning_breaks") as batch:
        batch.create_index(batch.f("ix_learning_breaks_member_id"), ["member_id"], unique=False)
        batch.create_index(
            "uq_learning_breaks_open",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("learning_breaks") as batch:
        batch.drop_index(
            "uq_learning_breaks_open",
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )
        batch.drop_index(batch.f("ix_learning_breaks_member_id"))
    op.drop_table("learning_breaks")
    with op.batch_alter_table("cohort_members") as batch:
        batch.drop_constraint("fk_cohort_members_transferred_to_id_cohort_members", type_="foreignkey")
        batch.drop_constraint("ck_cohort_members_status_known", type_="check")
        batch.drop_column("transferred_to_id")
        batch.drop_column("left_reason")
        batch.drop_column("withdrawn_at")
        batch.drop_column("status")

"""Cohort announcements and who they went to; email in text and HTML; notifications name their cohort

Issue 12, "Talking to the cohort": an announcement goes to the cohort or to those behind on a module.
Existing messages keep text only (body_html NULL); existing notifications name no cohort (about '').
"""

from alembic import op
import sqlalchemy as sa

revision = "bf756d2c6b10"
down_revision = "fa329ba090c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=True))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("about", sa.String(length=400), server_default="", nullable=False))

    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("module_code", sa.String(length=20), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("audience IN ('cohort', 'behind')", name=op.f("ck_announcements_audience_known")),
        sa.CheckConstraint(
            "(audience = 'behind') = (module_code IS NOT NULL)",
            name=op.f("ck_announcements_module_when_behind"),
        ),
        sa.CheckConstraint("length(title) BETWEEN 1 AND 200", name=op.f("ck_announcements_title_length")),
        sa.CheckConstraint("recipient_count >= 0", name=op.f("ck_announcements_recipient_count_positive")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_announcements_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name=op.f("fk_announcements_cohort_id_cohorts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("cohort_id", "form_key", name=op.f("uq_announcements_cohort_id_form_key")),
    )
    with op.batch_alter_table("announcements") as batch:
        batch.create_index("ix_announcements_cohort_newest", ["cohort_id", "id"], unique=False)

    op.create_table(
        "announcement_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_recipients_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_announcement_recipients_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_recipients")),
        sa.UniqueConstraint(
            "announcement_id", "user_id", name=op.f("uq_announcement_recipients_announcement_id_user_id")
        ),
    )
    with op.batch_alter_table("announcement_recipients") as batch:
        batch.create_index(batch.f("ix_announcement_recipients_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("announcement_recipients") as batch:
        batch.drop_index(batch.f("ix_announcement_recipients_user_id"))
    op.drop_table("announcement_recipients")
    with op.batch_alter_table("announcements") as batch:
        batch.drop_index("ix_announcements_cohort_newest")
    op.drop_table("announcements")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("about")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("body_html")

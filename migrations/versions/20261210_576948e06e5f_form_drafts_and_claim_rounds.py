"""Drafts of long forms on the server; each APL round keeps the claim as it stood

Issue 11 (5): one autosave for every long text. APL claims and observation records were kept only in the
browser; their drafts now live on the server (form_drafts), like reflections and judgements. A claim asked
for more evidence can now be changed, so each round of assessment keeps the claim it judged
(assessments.claim_snapshot) and the next round shows what changed.
"""

from alembic import op
import sqlalchemy as sa

revision = "576948e06e5f"
down_revision = "e29daa513c4e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=100), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refused_json", sa.Text(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_as", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_drafts")),
        sa.UniqueConstraint("user_id", "form_key", name=op.f("uq_form_drafts_user_id_form_key")),
    )
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("claim_snapshot", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("claim_snapshot")
    op.drop_table("form_drafts")

"""Resubmissions marked against the last attempt: a judgement may be carried forward from the previous one

Issue 11: criteria met in attempt N-1 can be set met in attempt N with one explicit action; the judgement
names the one it was carried from, so the completion rule accepts it and the transcript says so.
"""

from alembic import op
import sqlalchemy as sa

revision = "ca7f0e2d1b35"
down_revision = "c4e5a7b1d203"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("criterion_judgements") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_criterion_judgements_carried_from_id_criterion_judgements"),
            "criterion_judgements",
            ["carried_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("criterion_judgements") as batch:
        batch.drop_constraint(
            op.f("fk_criterion_judgements_carried_from_id_criterion_judgements"), type_="foreignkey"
        )
        batch.drop_column("carried_from_id")

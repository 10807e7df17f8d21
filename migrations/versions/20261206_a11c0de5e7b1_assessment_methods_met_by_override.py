"""Assessment methods enforced: an override reason and "met by" on each judgement, "met by" on criterion results

Issue 11: a criterion may be judged met only when an allowed method backs it, or with the assessor's reason
for overriding; how it was met is fixed at completion and carried onto the transcript.
"""

from alembic import op
import sqlalchemy as sa

revision = "a11c0de5e7b1"
down_revision = "5e1a7c0d9b42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("criterion_judgements") as batch:
        batch.add_column(sa.Column("override_reason", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("met_by", sa.String(length=300), server_default="", nullable=False))
    with op.batch_alter_table("criterion_results") as batch:
        batch.add_column(sa.Column("met_by", sa.String(length=300), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("criterion_results") as batch:
        batch.drop_column("met_by")
    with op.batch_alter_table("criterion_judgements") as batch:
        batch.drop_column("met_by")
        batch.drop_column("override_reason")

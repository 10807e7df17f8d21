"""Audit checkpoints: the chain's row count and head hash at a moment, so a chain cut short is detected

Issue 11 (7): deleting the last rows of the audit chain (after dropping its append-only triggers) left a
chain that verified as intact; `flask audit verify` now compares it with its checkpoints.
"""

from alembic import op
import sqlalchemy as sa

revision = "c4e5a7b1d203"
down_revision = "a11c0de5e7b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )


def downgrade():
    op.drop_table("audit_checkpoints")

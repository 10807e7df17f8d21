"""External identities: accounts at OpenID providers linked to Waymark accounts (issue 14, single sign-on)

One row per person and provider: the provider's subject (`sub`), the verified address that made the link,
when it was made and last used. Sign-ins find the person by (provider, subject), which is unique; one link
per account and provider, so a second provider account with the same address cannot take the first one's
place. New table only: nothing existing changes.
"""

from alembic import op
import sqlalchemy as sa


revision = "bf41436e77bb"
down_revision = "d03822fe39cb"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_external_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_external_identities_provider_subject")),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_external_identities_user_id_provider")),
    )
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_identities_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("external_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_identities_user_id"))
    op.drop_table("external_identities")

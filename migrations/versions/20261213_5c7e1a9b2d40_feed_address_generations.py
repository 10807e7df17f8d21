"""Personal feed addresses can be replaced (issue 15)

One row per person who has asked for a new personal bookings feed address: the generation signed into the
current address (an older one stops working) and when it changed. No row means generation 0, the address
everyone had before, which keeps working until its owner asks for a new one. New table only: nothing
existing changes.
"""

from alembic import op
import sqlalchemy as sa


revision = "5c7e1a9b2d40"
down_revision = "4e7a1c9b2d05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "booking_feed_addresses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("generation >= 0", name=op.f("ck_booking_feed_addresses_generation_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_booking_feed_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_booking_feed_addresses")),
    )


def downgrade():
    op.drop_table("booking_feed_addresses")

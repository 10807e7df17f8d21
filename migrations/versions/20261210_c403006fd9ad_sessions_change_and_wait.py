"""Sessions can be changed and cancelled, and full sessions have a waiting list

Issue 12: a cancelled session stays as a row (status, reason, when), and every session counts its changes
(the iCalendar SEQUENCE) so subscribed calendars update the event; a booking can wait for a place
(status 'waiting', in order of waiting_since).
"""

from alembic import op
import sqlalchemy as sa

revision = "c403006fd9ad"
down_revision = "576948e06e5f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cohort_sessions") as batch:
        batch.add_column(sa.Column("status", sa.String(length=10), server_default="scheduled", nullable=False))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch.create_check_constraint(op.f("ck_cohort_sessions_status_known"), "status IN ('scheduled', 'cancelled')")
        batch.create_check_constraint(op.f("ck_cohort_sessions_sequence_positive"), "sequence >= 0")
    # The feed used to send SEQUENCE = version - 1: calendars that saw it must never be sent a lower one.
    op.execute("UPDATE cohort_sessions SET sequence = version - 1 WHERE version > 1")
    with op.batch_alter_table("session_bookings") as batch:
        batch.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_session_bookings_status_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_session_bookings_status_known"), "status IN ('booked', 'cancelled', 'waiting')"
        )


def downgrade():
    # Waiting places were never given: they go back to cancelled so the old constraint holds.
    op.execute("UPDATE session_bookings SET status = 'cancelled' WHERE status = 'waiting'")
    with op.batch_alter_table("session_bookings") as batch:
        batch.drop_constraint(op.f("ck_session_bookings_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_session_bookings_status_known"), "status IN ('booked', 'cancelled')")
        batch.drop_column("waiting_since")
    with op.batch_alter_table("cohort_sessions") as batch:
        batch.drop_constraint(op.f("ck_cohort_sessions_sequence_positive"), type_="check")
        batch.drop_constraint(op.f("ck_cohort_sessions_status_known"), type_="check")
        batch.drop_column("sequence")
        batch.drop_column("cancelled_at")
        batch.drop_column("cancel_reason")
        batch.drop_column("status")

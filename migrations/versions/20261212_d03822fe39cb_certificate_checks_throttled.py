"""Certificate checks are throttled: login_attempts may hold kind 'verify'.

The public verification page counts the look-ups that could be guesses (a number that is no certificate's,
a name checked against a certificate) per address, and name checks per certificate, in the table the
sign-in throttle already uses, so the limit holds across workers. Only the CHECK constraint on `kind`
changes (SQLite rebuilds the table to change it).

Revision ID: d03822fe39cb
Revises: 333f95208c46
Create Date: 2026-12-12 10:00:00.000000

"""

from alembic import op

revision = "d03822fe39cb"
down_revision = "e87da04d7666"
branch_labels = None
depends_on = None


def _kinds(kinds: str) -> None:
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_login_attempts_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", f"kind IN ({kinds})")


def upgrade():
    _kinds("'login', 'reset', 'verify'")


def downgrade():
    op.execute("DELETE FROM login_attempts WHERE kind = 'verify'")
    _kinds("'login', 'reset'")

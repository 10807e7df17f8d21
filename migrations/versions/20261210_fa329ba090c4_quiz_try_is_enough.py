"""Knowledge checks: "a try is enough", set per check by its author

Issue 11: a check was done only once every answer was right; an author may now say one complete try is
enough. Existing checks keep the old rule.
"""

from alembic import op
import sqlalchemy as sa

revision = "fa329ba090c4"
down_revision = "c4a11c0a7e01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("try_is_enough", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("try_is_enough")

"""The outbox keeps a message's secret link token apart from its text (issue 15)

`outbox_messages.secret` holds the token of a reset, invitation or witness link while the message waits; the
text holds a stand-in (core.mail.rules.SECRET) and the sender joins the two only as it sends, then clears the
token. Rows written before this revision hold their links in the text: a queued one has its token moved into
the new column; a sent or failed one has its link removed, so no stored row (or backup) keeps a live link.
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "4e7a1c9b2d05"
down_revision = "9d3f6a2c4b17"
branch_labels = None
depends_on = None

# Written out here rather than imported: a migration must not change when the application's code does.
SECRET = "SECRET-ADDED-WHEN-SENT"
REMOVED = "[link removed after sending]"
_TOKEN_LINK = re.compile(
    r"(https?://[^\s<>\"']*/(?:reset-password|invitations|witness)/)([A-Za-z0-9_-]{20,})"
)
_CATEGORIES = ("password_reset", "invitation", "witness")


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("secret", sa.Text(), nullable=True))

    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("category", sa.String),
        sa.column("status", sa.String),
        sa.column("body_text", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("secret", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.status, outbox.c.body_text, outbox.c.body_html).where(
            outbox.c.category.in_(_CATEGORIES)
        )
    ).all()
    for row in rows:
        tokens = {m.group(2) for m in _TOKEN_LINK.finditer(row.body_text)}
        if len(tokens) != 1:
            continue
        (token,) = tokens
        if row.status == "queued":
            values = {
                "secret": token,
                "body_text": row.body_text.replace(token, SECRET),
                "body_html": row.body_html and row.body_html.replace(token, SECRET),
            }
        else:
            values = {
                "body_text": _TOKEN_LINK.sub(REMOVED, row.body_text),
                "body_html": row.body_html and _TOKEN_LINK.sub(REMOVED, row.body_html),
            }
        connection.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**values))


def downgrade():
    # Joining the tokens back into queued texts keeps waiting mail deliverable by the older sender.
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("body_text", sa.Text),
        sa.column("body_html", sa.Text),
        sa.column("secret", sa.Text),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.body_text, outbox.c.body_html, outbox.c.secret).where(
            outbox.c.secret.is_not(None)
        )
    ).all()
    for row in rows:
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == row.id)
            .values(
                body_text=row.body_text.replace(SECRET, row.secret),
                body_html=row.body_html and row.body_html.replace(SECRET, row.secret),
            )
        )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("secret")

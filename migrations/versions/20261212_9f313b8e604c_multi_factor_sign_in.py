"""Multi-factor sign-in (issue 14)

Staff whose decisions reach candidates' awards prove a second factor after their password: an authenticator
app (its TOTP secret sealed with a key derived from the app's key, and the last time step used, so no code
works twice), ten one-time recovery codes (hashed like passwords) and passkeys (WebAuthn credentials). Wrong
codes are throttled like passwords, so login attempts gain the kind 'mfa'. New tables and a wider CHECK:
nothing existing changes.
"""

from alembic import op
import sqlalchemy as sa


revision = "9f313b8e604c"
down_revision = "21b615696d3c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mfa_passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_passkeys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_mfa_passkeys_credential_id")),
    )
    with op.batch_alter_table("mfa_passkeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_passkeys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_recovery_codes")),
    )
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mfa_recovery_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "mfa_totp_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sealed_secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_totp_secrets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_totp_secrets")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mfa_totp_secrets_user_id")),
    )

    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_constraint(op.f("ck_login_attempts_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_login_attempts_kind_known"), "kind IN ('login', 'reset', 'verify', 'mfa')")


def downgrade():
    op.execute("DELETE FROM login_attempts WHERE kind = 'mfa'")
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_constraint(op.f("ck_login_attempts_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_login_attempts_kind_known"), "kind IN ('login', 'reset', 'verify')")
    op.drop_table("mfa_totp_secrets")
    with op.batch_alter_table("mfa_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_recovery_codes_user_id"))
    op.drop_table("mfa_recovery_codes")
    with op.batch_alter_table("mfa_passkeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mfa_passkeys_user_id"))
    op.drop_table("mfa_passkeys")

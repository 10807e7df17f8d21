"""`flask mfa reset`: when no administrator can sign in to reset someone (the only one lost their phone)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from core.accounts.services.accounts import find_user_by_email
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.mfa.services.factors import reset_mfa

mfa_cli = AppGroup("mfa", help="Multi-factor sign-in.")


@mfa_cli.command("reset")
@click.argument("email")
@click.option("--reason", required=True, help="Kept in the audit trail and emailed to them.")
def reset_command(email: str, reason: str):
    """Remove EMAIL's authenticator app, passkeys and recovery codes, and sign them out everywhere."""
    user = find_user_by_email(email)
    if user is None:
        click.echo(f"No account has the address {email}.", err=True)
        sys.exit(1)
    try:
        ended = reset_mfa(None, user, reason=reason)
    except (ValidationFailed, InvalidTransition) as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"Multi-factor sign-in of {user.email} reset; {ended} session(s) ended. They have been emailed."
    )

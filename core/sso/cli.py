"""`flask sso providers | links | unlink`: what an operator registers with each provider, and the links."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from core.accounts.services.accounts import find_user_by_email
from core.extensions import db
from core.sso.services.accounts import links_of, unlink
from core.sso.services.oidc import SignInRefused, check_discovery, post_logout_uri, providers, redirect_uri

sso_cli = AppGroup("sso", help="Single sign-on: the configured OpenID providers and accounts linked to them.")


@sso_cli.command("providers")
def providers_command():
    """List the providers, the addresses to register with each, and whether its discovery answers."""
    configured = providers()
    if not configured:
        click.echo("No providers: set WAYMARK_OIDC_PROVIDERS (docs/operations.md, Single sign-on).")
        return
    failed = False
    with current_app.test_request_context():
        for provider in configured:
            click.echo(f"{provider.name}: {provider.label}")
            click.echo(f"  issuer                    {provider.issuer}")
            click.echo(f"  client id                 {provider.client_id}")
            click.echo(f"  redirect URI              {redirect_uri(provider)}")
            click.echo(f"  post-logout redirect URI  {post_logout_uri(provider)}")
            click.echo(f"  new accounts              {'yes' if provider.trusted_for_new_accounts else 'no'}")
            try:
                ends = check_discovery(provider)
            except SignInRefused as exc:
                failed = True
                click.echo(f"  discovery                 FAILED: {exc.reason}")
            else:
                click.echo(f"  discovery                 ok{'' if ends else ' (no end-session endpoint)'}")
    if failed:
        sys.exit(1)


def _user_or_exit(email: str):
    user = find_user_by_email(email)
    if user is None:
        click.echo(f"No account for {email}.", err=True)
        sys.exit(1)
    return user


@sso_cli.command("links")
@click.argument("email")
def links_command(email: str):
    """Show the provider accounts linked to the account with EMAIL."""
    user = _user_or_exit(email)
    links = links_of(user)
    for link in links:
        last = link.last_sign_in_at.isoformat(timespec="minutes") if link.last_sign_in_at else "never"
        click.echo(f"{link.provider}: subject {link.subject}, linked as {link.email}, last sign-in {last}")
    if not links:
        click.echo(f"{user.email} is linked to no provider account.")


@sso_cli.command("unlink")
@click.argument("email")
@click.argument("provider")
def unlink_command(email: str, provider: str):
    """Remove the link between EMAIL's account and its PROVIDER account (audited)."""
    user = _user_or_exit(email)
    removed = unlink(user, provider)
    if removed is None:
        click.echo(f"{user.email} has no link with {provider}.", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Unlinked {user.email} from {provider} (subject {removed.subject}).")

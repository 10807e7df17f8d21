"""`flask credentials keygen | rotate | keys`: the university's keys for signing digital credentials."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from core.db.timeutil import UK
from core.extensions import db
from core.web.urls import absolute_url
from qualification.credentials.services import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    KeyStoreError,
    generate_first_key,
    key_dir,
    rotate_key,
    stored_keys,
)

credentials_cli = AppGroup("credentials", help="Keys that sign digital credentials (Open Badges 3.0).")

_ALGORITHM = click.option(
    "--algorithm",
    type=click.Choice(ALGORITHMS),
    default=DEFAULT_ALGORITHM,
    show_default=True,
    help="ES256 by default; RS256 is the one every Open Badges 3.0 verifier must also accept.",
)


def _made(make, algorithm: str, done: str) -> None:
    try:
        key = make(algorithm)
    except KeyStoreError as exc:
        db.session.rollback()
        click.echo(str(exc), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{done} {key.kid} ({key.algorithm}) in {key_dir()}: it signs credentials from now on.")
    click.echo(f"Verifiers find the public keys at {absolute_url('qualification.credentials.key_set')}")
    click.echo("The key files are not in database backups: back the folder up separately.")


@credentials_cli.command("keygen")
@_ALGORITHM
def keygen_command(algorithm: str):
    """Create the first signing key (a JWK file, readable by this user only)."""
    _made(generate_first_key, algorithm, "Created signing key")


@credentials_cli.command("rotate")
@_ALGORITHM
def rotate_command(algorithm: str):
    """Make a new current signing key; older keys stay published so what they signed still verifies."""
    _made(rotate_key, algorithm, "New current signing key")


@credentials_cli.command("keys")
def keys_command():
    """List the signing keys, newest first, and which one signs now."""
    keys = stored_keys()
    if not keys:
        click.echo(f"No signing keys in {key_dir()}. Run `flask credentials keygen`.")
        return
    for key in keys:
        created = key.created.astimezone(UK).strftime("%-d %B %Y %H:%M")
        click.echo(f"{key.kid}  {key.algorithm}  created {created}{'  current' if key.current else ''}")

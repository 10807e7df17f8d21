"""`flask storage sweep`: remove stored files nothing refers to any more."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portfolio.files.services import sweep

storage_cli = AppGroup("storage", help="Look after the file store.")


@storage_cli.command("sweep")
@click.option(
    "--grace-seconds",
    default=3600,
    show_default=True,
    type=click.IntRange(min=0),
    help="Keep anything newer than this: an upload may not be committed yet.",
)
def sweep_command(grace_seconds: int):
    """Delete blobs no evidence version or APL claim refers to, and temp files of abandoned uploads."""
    report = sweep(grace_seconds=grace_seconds)
    for sha256 in report.rows:
        click.echo(f"removed blob {sha256} (row and file)")
    for sha256 in report.files:
        if sha256 not in report.rows:
            click.echo(f"removed file {sha256} (no row)")
    click.echo(f"{report.blobs} blob(s) and {report.temp_files} temp file(s) removed.")

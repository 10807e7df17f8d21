"""`flask privacy retention [--apply]`: what retention would do to each leaver's records (a dry run), then
doing it. Run it after reading the dry run; a scheduler may run it with --apply (docs/privacy.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db.timeutil import uk_today
from core.extensions import db
from core.privacy.services import apply_retention, retention_due

privacy_cli = AppGroup("privacy", help="Retention of personal data.")


def _counts(found: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in sorted(found.items())) or "nothing"


@privacy_cli.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Do it (without this, only report what would be done).")
def retention_command(apply_: bool):
    """Report (or, with --apply, carry out) retention for every candidate who has left."""
    today = uk_today()
    due = retention_due(today)
    if not due:
        click.echo("Nobody's records are past their retention period.")
        return
    verb = "Applied" if apply_ else "Would apply"
    for person, left, groups in due:
        result = apply_retention(person, groups, dry_run=not apply_)
        click.echo(f"User {person.id} (left {left.isoformat()}): {verb} {', '.join(groups)}")
        click.echo(f"  delete: {_counts(result.deleted)}")
        click.echo(f"  empty personal fields: {_counts(result.blanked)}")
        if "account" in groups:
            click.echo(
                f"  audit rows redacted: {result.audit_redacted}; kept as written (older rows): "
                f"{result.audit_kept}"
            )
        click.echo(f"  kept: {', '.join(sorted(result.kept)) or 'nothing'}")
    if apply_:
        db.session.commit()
    else:
        db.session.rollback()
        click.echo("Dry run: nothing was changed. Run with --apply to do it.")

"""`flask qualification import|export`: the spec format from the command line; `flask sessions remind` and
`flask deadlines remind`, the hourly reminders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.db.database import analyse, loading
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.booking.services import remind_upcoming_sessions
from qualification.deadlines.services import remind_deadlines
from qualification.spec import SpecInvalid, parse_spec, spec_to_document
from qualification.spec.documents import load_document
from qualification.versions.queries import find_version
from qualification.versions.services import import_spec, spec_of_version

qualification_cli = AppGroup("qualification", help="Import and export qualifications (qualification-spec/1).")


@qualification_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish the new version at once instead of keeping a draft.")
def import_command(path: Path, publish: bool):
    """Validate PATH and store it as a new version; on any problem store nothing and exit 1."""
    try:
        spec = parse_spec(load_document(path.read_bytes()))
    except OSError as exc:
        click.echo(f"$: cannot read {path}: {exc.strerror}")
        sys.exit(1)
    except SpecInvalid as exc:
        for problem in exc.problems:
            click.echo(problem)
        sys.exit(1)
    with loading() as tables:
        version = import_spec(None, spec, publish=publish)
        db.session.commit()
    # A big import changes the catalogue's tables a lot: fresh statistics for the planner.
    analyse(tables)
    db.session.commit()
    click.echo(f"{spec.code} version {version.number} ({version.status})")


@qualification_cli.command("export")
@click.argument("code")
@click.option(
    "--version", "number", type=int, default=None, help="Default: newest published, else newest draft."
)
def export_command(code: str, number: int | None):
    """Print one version of a qualification as qualification-spec/1 JSON."""
    version = find_version(code, number)
    if version is None:
        which = f"version {number} of " if number else ""
        click.echo(f"No {which}qualification {code!r}.", err=True)
        sys.exit(1)
    click.echo(json.dumps(spec_to_document(spec_of_version(version)), indent=2, ensure_ascii=False))


def _reminded(send) -> None:
    """Send the reminders due now, keep them, and say how many went."""
    sent = send(utcnow())
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent")


sessions_cli = AppGroup("sessions", help="Cohort sessions.")


@sessions_cli.command("remind")
def remind_command():
    """Remind candidates of sessions they booked that start within a day (run hourly)."""
    _reminded(remind_upcoming_sessions)


deadlines_cli = AppGroup("deadlines", help="Module deadlines.")


@deadlines_cli.command("remind")
def remind_deadlines_command():
    """Remind candidates of a module deadline a week and a day before, once each (run hourly)."""
    _reminded(remind_deadlines)

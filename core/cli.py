"""Command-line tools: `flask users | audit | mail | mfa | demo | backup | qualification | credentials`,
`flask sso`, `flask privacy` and the rest, each group registered below."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from assessors.demo import load_demo_assessment
from core.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, load_demo
from core.accounts.models import Role
from core.accounts.services.accounts import create_user
from core.audit.services import anchor_problems, anchors_file, take_checkpoint, verify_chain
from core.db.backup import BackupError, create_backup, verify_backup
from core.db.database import analyse, loading
from core.errors import ValidationFailed
from core.extensions import db
from core.mail.services import run_sender
from core.mfa.cli import mfa_cli
from core.mfa.demo import demo_notice
from core.notifications.services import send_digests
from core.privacy.cli import privacy_cli
from core.sso.cli import sso_cli
from modules.demo import load_demo_content
from portfolio.cli import storage_cli
from qualification.cli import deadlines_cli, qualification_cli, sessions_cli
from qualification.credentials.cli import credentials_cli
from qualification.demo import load_demo_cohort, load_demo_qualification

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the audit trail.")
mail_cli = AppGroup("mail", help="Deliver queued email.")
demo_cli = AppGroup("demo", help="The demonstration data.")
backup_cli = AppGroup("backup", help="Back up the database and files, and check a backup.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeatable.",
)
@click.option("--organisation", default=None)
@click.option("--password", default=None, help="For scripts; prompted for when left out.")
def create_user_command(email, name, roles, organisation, password):
    """Create an account (the first administrator, for example)."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            None,
            email=email,
            name=name,
            password=password,
            roles=[Role(r) for r in roles],
            organisation=organisation,
        )
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            click.echo(f"{field or 'error'}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(r.value for r in user.roles)}).")


@audit_cli.command("verify")
def verify_command():
    """Recompute the hash chain; exit 1 if any row was altered, removed or reordered."""
    checked, problems = verify_chain()
    problems += anchor_problems()
    for problem in problems:
        click.echo(f"row {problem.seq}: {problem.message}", err=True)
    if problems:
        click.echo(f"Audit chain BROKEN: {len(problems)} problem(s) in {checked} rows.", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {checked} rows verified.")


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Record the chain's length and head hash (run it hourly): a chain later cut short is then detected."""
    checkpoint = take_checkpoint()
    db.session.commit()
    click.echo(
        f"Checkpoint: {checkpoint.last_seq} rows, head {checkpoint.head_hash[:12]}, in {anchors_file()}."
    )


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, sending new mail as it is queued.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between passes with --loop.")
def send_command(loop: bool, interval: float):
    """Deliver queued email through the configured backend (log or SMTP).

    With --loop it never stops on an error: a pass that fails (the database locked, the mail server gone) is
    logged and tried again after 5 s, 10 s, 20 s ... up to 5 minutes. Without it, a failing pass is tried
    five times before the command exits with status 1.
    """

    def report(sent: int, failed: int) -> None:
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")

    if loop:
        run_sender(interval=interval, report=report)
    elif not run_sender(passes=1, give_up_after=5, report=report):
        click.echo("Mail could not be sent now (see the log); it stays queued.", err=True)
        sys.exit(1)


@mail_cli.command("digest")
def digest_command():
    """Queue today's digest email for everyone who chose one (run it hourly, e.g. from cron)."""
    sent = send_digests()
    db.session.commit()
    click.echo(f"{sent} digest(s) queued")


@demo_cli.command("load")
def demo_load_command():
    """Load the demo (safe to run again: nothing is duplicated)."""
    with loading() as tables:
        created = load_demo()
        qualification_loaded = load_demo_qualification()
        cohort_loaded = load_demo_cohort()
        content_loaded = load_demo_content()
        assessment_loaded = load_demo_assessment()
        db.session.commit()
    analyse(tables)  # statistics of what it loaded, for the planner
    db.session.commit()
    if qualification_loaded:
        click.echo(f"Demo qualification loaded: {qualification_loaded}.")
    if cohort_loaded:
        click.echo(f"Demo cohort loaded: {cohort_loaded}.")
    if content_loaded:
        click.echo(f"Demo study content loaded for {content_loaded} modules.")
    if assessment_loaded:
        click.echo(f"Demo assessment loaded: {assessment_loaded}.")
    loaded = created or qualification_loaded or cohort_loaded or content_loaded or assessment_loaded
    click.echo("Demo loaded." if loaded else "Demo already loaded; nothing changed.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for person in DEMO_PEOPLE:
        click.echo(f"  {person.email:32} {', '.join(r.label for r in person.roles)}")
    click.echo(demo_notice())


@backup_cli.command("create")
@click.argument("dest_dir", type=click.Path(file_okay=False))
def backup_create_command(dest_dir: str):
    """Write DEST_DIR/<UTC timestamp>/ with the database, the stored files and a manifest."""
    try:
        path = create_backup(current_app, dest_dir)
    except BackupError as exc:
        click.echo(f"Backup failed: {exc}", err=True)
        sys.exit(1)
    click.echo(str(path))


@backup_cli.command("verify")
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False))
def backup_verify_command(backup_dir: str):
    """Check a backup's files and database against its manifest; exit 1 if anything is wrong."""
    problems = verify_backup(backup_dir)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"Backup intact: {backup_dir}")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (
        users_cli,
        audit_cli,
        mail_cli,
        mfa_cli,
        demo_cli,
        backup_cli,
        qualification_cli,
        sessions_cli,
        deadlines_cli,
        storage_cli,
        credentials_cli,
        sso_cli,
        privacy_cli,
    ):
        app.cli.add_command(group)

"""Retention and erasure: a leaver's records past their group's period deleted or emptied of what is
personal, by the policy in core/privacy/rules.py; erasure on request does every group at once. Either way
what an award's evidence trail needs is kept, the audit rows about the person are redacted (never removed),
and one audit row says what was done and what was kept and why."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import JSON, String, Text, delete, or_, select, update

from core.accounts.models import User
from core.accounts.permissions import can_manage_accounts
from core.audit.models import AuditEvent
from core.audit.services import record, redact
from core.db.timeutil import utcnow
from core.errors import ValidationFailed, require
from core.extensions import db
from core.privacy.queries import holdings_of, left_on
from core.privacy.rules import GROUP_DAYS, REMOVED, RETENTION, groups_due

FORMER = "a former candidate"
# Kept on purpose where the name is scrubbed everywhere else: the printed name must stay verifiable.
SCRUB_EXCEPT = {("certificates", "name_on_certificate"), ("users", "name"), ("users", "email")}


@dataclass
class RetentionResult:
    user_id: int
    groups: list[str]
    deleted: dict[str, int] = field(default_factory=dict)
    blanked: dict[str, int] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    audit_redacted: int = 0
    audit_kept: int = 0


def retention_due(today: date, days: dict[str, int] | None = None) -> list[tuple[User, date, list[str]]]:
    """Every leaver with at least one group past its period: (person, the day they left, the groups)."""
    days = days or current_app.config.get("WAYMARK_RETENTION_DAYS") or GROUP_DAYS
    due = []
    for user_id, left in sorted(left_on(today).items()):
        groups = groups_due((today - left).days, days)
        person = db.session.get(User, user_id)
        if groups and person is not None and not _already(person, groups):
            due.append((person, left, groups))
    return due


ERASED_DOMAIN = "@erased.invalid"


def _erased(person: User) -> bool:
    return person.email.endswith(ERASED_DOMAIN)


def _already(person: User, groups: list[str]) -> bool:
    """Someone whose account is already anonymised has nothing left to do."""
    return "account" in groups and _erased(person)


def apply_retention(person: User, groups: list[str], *, actor=None, dry_run: bool = False) -> RetentionResult:
    """Do (or, with `dry_run`, count) what the groups' periods require of this person's records."""
    holdings = holdings_of(person, every=True)
    result = RetentionResult(person.id, list(groups))
    tables = db.metadata.tables
    for name in reversed([t.name for t in db.metadata.sorted_tables]):
        keys = holdings.keys.get(name)
        rule = RETENTION.get(name)
        if not keys or rule is None or name == "users":
            continue
        if rule.group not in groups:
            continue
        if not (rule.delete or rule.blank):
            continue  # kept: said once below, for every kept table that holds their rows
        table = tables[name]
        key = next(iter(table.primary_key.columns))
        if dry_run:
            (result.deleted if rule.delete else result.blanked)[name] = len(keys)
            continue
        if rule.delete:
            db.session.execute(delete(table).where(key.in_(keys)))
            result.deleted[name] = len(keys)
        else:
            db.session.execute(update(table).where(key.in_(keys)).values(_blanks(table, rule.blank)))
            result.blanked[name] = len(keys)
    for name, rule in RETENTION.items():
        if not (rule.delete or rule.blank) and holdings.keys.get(name):
            result.kept[name] = rule.why
    if "account" in groups:
        _account(person, result, dry_run=dry_run)
    if not dry_run:
        db.session.flush()
        record(
            "privacy.retention_applied",
            actor=actor,
            object_type="User",
            object_id=person.id,
            details={
                "groups": result.groups,
                "deleted": result.deleted,
                "blanked": result.blanked,
                "kept": result.kept,
                "audit_redacted": result.audit_redacted,
                "audit_kept": result.audit_kept,
            },
        )
    return result


def _blanks(table, columns) -> dict:
    values = {}
    for name in columns:
        column = table.c[name]
        if isinstance(column.type, JSON):
            values[name] = None if column.nullable else {}
        elif isinstance(column.type, String | Text) and not column.nullable:
            values[name] = REMOVED
        else:
            values[name] = None
    return values


def _account(person: User, result: RetentionResult, *, dry_run: bool) -> None:
    """The last step: the person's name and email scrubbed wherever they were written, the audit rows
    about them redacted, the account anonymised and closed."""
    name, email = person.name, person.email
    about = or_(
        AuditEvent.actor_id == person.id,
        (AuditEvent.object_type == "User") & (AuditEvent.object_id == str(person.id)),
        AuditEvent.details_json.contains(email),
        *([AuditEvent.details_json.contains(name)] if _scrubbable(name) else []),
    )
    events = list(db.session.scalars(select(AuditEvent).where(about, AuditEvent.redacted_at.is_(None))))
    if dry_run:
        result.blanked["users"] = 1
        result.audit_redacted = len(events)
        return
    result.audit_redacted, result.audit_kept = redact(events)
    for needle in [email, *([name] if _scrubbable(name) else [])]:
        _scrub(needle)
    person.name = "Former candidate"
    person.email = f"erased-{person.id}-{secrets.token_hex(4)}{ERASED_DOMAIN}"
    person.organisation = None
    person.password_hash = "!" + secrets.token_hex(32)  # matches no password
    person.disabled_at = person.disabled_at or utcnow()
    result.blanked["users"] = 1


def _scrubbable(name: str) -> bool:
    # A one-word name of a few letters would rewrite ordinary words: such a name stays where others wrote it.
    return len(name) >= 5 and " " in name.strip()


def _scrub(needle: str) -> None:
    """Replace the needle in every text column of every table (the audit trail apart: it is redacted)."""
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        for column in table.columns:
            if not isinstance(column.type, String | Text) or (table.name, column.name) in SCRUB_EXCEPT:
                continue
            if column.foreign_keys or column.primary_key:
                continue
            db.session.execute(
                update(table)
                .where(column.contains(needle, autoescape=True))
                .values({column.name: db.func.replace(column, needle, FORMER)})
            )


def erase(person: User, *, actor, reason: str) -> RetentionResult:
    """Erasure on request: every group at once, by the same rules; what was kept and why is recorded."""
    require(can_manage_accounts(actor), "Only an administrator can erase someone's data.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Say why (for example, the request's date and reference)."})
    if person.id == actor.id:
        raise ValidationFailed({"": "You cannot erase your own account."})
    if _erased(person):
        raise ValidationFailed({"": "This account has already been erased."})
    result = apply_retention(person, list(GROUP_DAYS), actor=actor)
    record(
        "privacy.erased",
        actor=actor,
        object_type="User",
        object_id=person.id,
        details={"reason": reason, "kept": result.kept},
    )
    return result

"""The cohort's calendar: adding sessions, publishing the calendar at an unguessable address."""

from __future__ import annotations

import secrets
from datetime import datetime

from core.errors import ValidationFailed, require
from core.extensions import db
from core.validation import errors_of, web_address_problem
from qualification.cohorts.models import Cohort, CohortSession, SessionKind
from qualification.cohorts.services import audit_cohort
from qualification.permissions import can_manage_cohort


def _link_problem(kind: SessionKind, link: str | None) -> str | None:
    if kind == SessionKind.ONLINE_LIVE and not link:
        return "An online session needs its joining link."
    if link and web_address_problem(link):
        return "The joining link must start with https:// or http://."
    return None


def add_session(
    actor,
    cohort: Cohort,
    *,
    kind: SessionKind,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    place: str | None,
    link: str | None,
    capacity: int | None,
    module_codes: list[str],
) -> CohortSession:
    """Add a session to the cohort's calendar."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    kind = SessionKind(kind)
    known = {link_.code for link_ in cohort.qualification_version.module_links}
    unknown = [c for c in module_codes if c not in known]
    errors = errors_of(
        title=None if (title or "").strip() else "Give the session a title.",
        ends_at=None if ends_at > starts_at else "The session must end after it starts.",
        capacity=(
            "Capacity must be at least 1, or left empty for no limit."
            if capacity is not None and capacity < 1
            else None
        ),
        link=_link_problem(kind, link),
        place=(
            "Say where the session takes place."
            if kind != SessionKind.ONLINE_LIVE and not (place or "").strip()
            else None
        ),
        module_codes=f"Unknown module{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
        if unknown
        else None,
    )
    if errors:
        raise ValidationFailed(errors)
    session = CohortSession(
        cohort_id=cohort.id,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=(place or "").strip() or None,
        link=link or None,
        capacity=capacity,
        module_codes=" ".join(module_codes),
    )
    db.session.add(session)
    db.session.flush()
    audit_cohort(
        "session_added",
        actor,
        cohort,
        session_id=session.id,
        kind=kind.value,
        starts_at=starts_at.isoformat(),
    )
    return session


def publish_calendar(actor, cohort: Cohort) -> str:
    """Give the calendar a new public address (page and iCalendar feed); any older address stops working."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can publish the calendar.")
    cohort.calendar_token = secrets.token_urlsafe(24)
    db.session.flush()
    audit_cohort("calendar_published", actor, cohort)
    return cohort.calendar_token


def unpublish_calendar(actor, cohort: Cohort) -> None:
    """Take the public calendar page and feed down."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change the calendar.")
    cohort.calendar_token = None
    db.session.flush()
    audit_cohort("calendar_unpublished", actor, cohort)

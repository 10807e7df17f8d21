"""Posting an announcement to the cohort, or to the candidates behind on a module: in the app and by email."""

from __future__ import annotations

from sqlalchemy import insert, select

from core.accounts.models import Role, User
from core.audit.services import record
from core.db.rows import added
from core.errors import ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from core.validation import errors_of
from core.web.markdown import plain_excerpt
from qualification.announcements.models import Announcement, AnnouncementRecipient, Audience
from qualification.announcements.permissions import can_announce
from qualification.announcements.queries import behind_on, candidate_ids, cohort_module_codes, posted_with
from qualification.announcements.rules import AUDIENCE_MISSING, BODY, TITLE
from qualification.cohorts.models import Cohort
from qualification.cohorts.queries import cohort_about

NOT_ALLOWED = "Only the cohort's course leader and tutors can post announcements."
EXCERPT = 450  # characters of the announcement in the notification (and its email); the link leads to it all


def _acting_role(actor) -> str:
    for role in (Role.COURSE_LEADER, Role.ADMIN):
        if actor.has_role(role):
            return role.value
    return "tutor"


def _recipients(cohort: Cohort, audience: Audience, module_code: str | None) -> list[int]:
    """Who it goes to; ValidationFailed, in words, when that is nobody."""
    if audience == Audience.COHORT:
        ids = candidate_ids(cohort)
        if not ids:
            raise ValidationFailed({"audience": "The cohort has no candidates yet, so nobody would read it."})
        return ids
    if module_code not in cohort_module_codes(cohort):
        raise ValidationFailed({"audience": AUDIENCE_MISSING})
    ids = behind_on(cohort, module_code)
    if not ids:
        raise ValidationFailed(
            {
                "audience": f"Nobody is behind on {module_code}: every candidate studying it has handed "
                "it in or achieved it. Nothing was sent."
            }
        )
    return ids


def post_announcement(
    actor,
    cohort: Cohort,
    *,
    title: str,
    body_md: str,
    audience: Audience | None,
    module_code: str | None = None,
    form_key: str,
) -> tuple[Announcement, bool]:
    """Post an announcement and tell each recipient (in the app; by email now, in their digest or not at
    all, as they chose). Returns (announcement, whether this call posted it): a form sent again returns
    the announcement it posted the first time, and nobody is told twice."""
    require(can_announce(actor, cohort), NOT_ALLOWED)
    if existing := posted_with(cohort, form_key):
        return existing, False
    title = " ".join((title or "").split())
    body = (body_md or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    errors = errors_of(title=TITLE(title), body=BODY(body), audience=None if audience else AUDIENCE_MISSING)
    if errors:
        raise ValidationFailed(errors)
    audience = Audience(audience)
    module_code = module_code if audience == Audience.BEHIND else None
    recipients = _recipients(cohort, audience, module_code)
    announcement = Announcement(
        cohort_id=cohort.id,
        author_id=actor.id,
        title=title,
        body_md=body,
        audience=audience.value,
        module_code=module_code,
        recipient_count=len(recipients),
        form_key=form_key,
    )
    # Two copies of one form racing past the check above (PostgreSQL): the unique key lets one through.
    if not added(announcement):
        return posted_with(cohort, form_key), False
    db.session.execute(
        insert(AnnouncementRecipient),
        [{"announcement_id": announcement.id, "user_id": uid} for uid in recipients],
    )
    record(
        "announcement_posted",
        actor=actor,
        actor_role=_acting_role(actor),
        obj=announcement,
        details={
            "cohort_id": cohort.id,
            "title": title,
            "audience": audience.value,
            "module_code": module_code,
            "recipients": len(recipients),
        },
    )
    _tell(actor, cohort, announcement, recipients)
    return announcement, True


def _tell(actor, cohort: Cohort, announcement: Announcement, recipients: list[int]) -> None:
    # One statement loads the recipients, so notify() finds each in the session rather than asking again.
    list(db.session.scalars(select(User).where(User.id.in_(recipients))))
    about = cohort_about(cohort.id)
    body = f"From {actor.name}: {plain_excerpt(announcement.body_md, EXCERPT)}"
    for user_id in recipients:
        notify(
            user_id,
            kind="announcement",
            title=f"Announcement: {announcement.title}",
            body=body,
            about=about,
            link_endpoint="qualification.announcements.list_announcements",
            cohort_id=cohort.id,
            _anchor=f"announcement-{announcement.id}",
        )

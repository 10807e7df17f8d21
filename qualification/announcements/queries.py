"""The read side of announcements: who is behind on a module, who reads which announcement, the lists."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, exists, or_, select

from core.accounts.models import User
from core.db.paging import newest_first
from core.extensions import db
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from qualification.announcements.models import Announcement, AnnouncementRecipient, Audience
from qualification.announcements.permissions import can_announce, can_read_every_announcement
from qualification.announcements.rules import audience_choice
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.forums.queries import forum_modules
from qualification.results.models import ModuleResult

PAGE_SIZE = 20
ON_COHORT_PAGE = 5


def _candidates(cohort: Cohort):
    """The cohort's candidates whose accounts are not disabled (a SELECT of their ids)."""
    return (
        select(CohortMember.user_id)
        .join(User, User.id == CohortMember.user_id)
        .where(
            CohortMember.cohort_id == cohort.id,
            CohortMember.role == MemberRole.CANDIDATE,
            User.disabled_at.is_(None),
        )
    )


def candidate_ids(cohort: Cohort) -> list[int]:
    """Everyone an announcement to the whole cohort goes to."""
    return list(db.session.scalars(_candidates(cohort).order_by(CohortMember.user_id)))


def behind_on(cohort: Cohort, module_code: str) -> list[int]:
    """The candidates behind on a module: enrolled on it through this cohort, and neither achieved it nor
    handed work in for it that is waiting for a decision (a referred or withdrawn attempt is still behind).

    Achieved is read here (module results, by assessment or APL); handed in is portfolio's to say, so the
    providers in app.extensions["waymark_module_handed_in"] answer (cohort id, module code) -> candidate ids.
    """
    achieved = exists().where(
        ModuleResult.candidate_id == ModuleEnrolment.candidate_id,
        ModuleResult.family == ModuleEnrolment.family,
        ModuleResult.module_code == ModuleEnrolment.module_code,
        ModuleResult.revoked_at.is_(None),
    )
    enrolled = db.session.scalars(
        _candidates(cohort)
        .join(
            ModuleEnrolment,
            and_(
                ModuleEnrolment.candidate_id == CohortMember.user_id,
                ModuleEnrolment.cohort_id == cohort.id,
            ),
        )
        .where(
            ModuleEnrolment.module_code == module_code,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
            ~achieved,
        )
        .order_by(CohortMember.user_id)
    )
    handed_in: set[int] = set()
    for provide in current_app.extensions.get("waymark_module_handed_in", []):
        handed_in |= provide(cohort.id, module_code)
    return [uid for uid in enrolled if uid not in handed_in]


def audience_options(cohort: Cohort) -> list[tuple[str, str]]:
    """The "Send to" choices: the whole cohort, or those behind on each of its modules."""
    candidates = sum(1 for m in cohort.members if m.role == MemberRole.CANDIDATE)
    everyone = f"{Audience.COHORT.label} ({candidates} candidate{'' if candidates == 1 else 's'})"
    return [
        (audience_choice(Audience.COHORT), everyone),
        *(
            (audience_choice(Audience.BEHIND, code), f"Candidates behind on {title}")
            for code, title in forum_modules(cohort)
        ),
    ]


def cohort_module_codes(cohort: Cohort) -> set[str]:
    """The modules of the cohort, whose laggards an announcement may be sent to."""
    return {code for code, _title in forum_modules(cohort)}


def posted_with(cohort: Cohort, form_key: str) -> Announcement | None:
    """The announcement this form already posted, if it did."""
    return db.session.scalar(
        select(Announcement).where(Announcement.cohort_id == cohort.id, Announcement.form_key == form_key)
    )


def _readable(user, cohort: Cohort):
    """The cohort's announcements this person reads: staff all of them, a candidate those sent to the whole
    cohort (joining later included) and those sent to them."""
    query = select(Announcement).where(Announcement.cohort_id == cohort.id)
    if can_read_every_announcement(user, cohort):
        return query
    sent_to_them = exists().where(
        AnnouncementRecipient.announcement_id == Announcement.id, AnnouncementRecipient.user_id == user.id
    )
    return query.where(or_(Announcement.audience == Audience.COHORT, sent_to_them))


def announcements_page(user, cohort: Cohort, before: int | None) -> tuple[list[Announcement], int | None]:
    """One page of the announcements the person reads, newest first, and where the next page starts."""
    return newest_first(_readable(user, cohort), Announcement.id, before, PAGE_SIZE)


@dataclass(frozen=True)
class CohortAnnouncements:
    """The cohort page's section: the latest announcements, whether there are older ones, who may post."""

    latest: list[Announcement]
    more: bool
    can_post: bool


def cohort_announcements(cohort: Cohort, user) -> CohortAnnouncements:
    """The latest few announcements the person reads (one statement), for the cohort page."""
    latest, next_before = newest_first(_readable(user, cohort), Announcement.id, None, ON_COHORT_PAGE)
    return CohortAnnouncements(latest, next_before is not None, can_announce(user, cohort))

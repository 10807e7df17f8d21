"""A cohort's settings over its year: editing them (one versioned form), its closure days, copying the cohort
for next year, and moving a cohort that has not started onto a newer published version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from core.db.timeutil import long_date
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from core.validation import errors_of
from modules.study.services import move_to_revisions
from qualification.cohorts.models import (
    AllocationRule,
    Cohort,
    CohortClosure,
    CohortMember,
    CohortSession,
    MemberRole,
)
from qualification.cohorts.rules import COHORT_NAME, date_problems, turnaround_problem
from qualification.cohorts.services import audit_cohort, offer_problem
from qualification.pathway.models import PathwayChoice
from qualification.pathway.services import chosen_codes, pathway_status, sync_enrolments
from qualification.permissions import can_manage_cohort
from qualification.settings.rules import (
    MAX_SUPPLY_POUNDS,
    SUPPLY_MESSAGE,
    a_year_on,
    closure_problems,
    moment_a_year_on,
    same_date_next_year,
)
from qualification.versions.models import QualificationVersion, VersionStatus

NOT_LEADER = "Only course leaders can change a cohort's settings."
STALE_SETTINGS = (
    "Someone changed this cohort's settings since you opened the page. What you typed is kept below: "
    "check it against the settings shown at the top and save again."
)
# The settings the form edits, in the words the audit trail and the confirmation use.
SETTINGS = {
    "name": "name",
    "start_date": "start date",
    "end_date": "end date",
    "choice_deadline": "option deadline",
    "turnaround_days": "turnaround target",
    "allocation_rule": "allocation rule",
    "supply_cost_pence": "supply cover day rate",
}


def _check_version(cohort: Cohort, expected_version: int | None, message: str = STALE_SETTINGS) -> None:
    if expected_version is None or expected_version != cohort.version:
        raise EditConflict(message)


def update_settings(
    actor,
    cohort: Cohort,
    *,
    expected_version: int | None,
    name: str,
    start_date: date | None,
    end_date: date | None,
    choice_deadline: date | None,
    turnaround_days: int | None,
    allocation_rule: str | None,
    supply_cost_pence: int | None,
) -> list[str]:
    """Save the cohort's settings; returns the names of those that changed (one audit row lists them all)."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    _check_version(cohort, expected_version)
    name = (name or "").strip()
    rules = {rule.value for rule in AllocationRule}
    errors = errors_of(
        name=COHORT_NAME(name),
        start_date=None if start_date else "Enter the start date.",
        turnaround_days=turnaround_problem(turnaround_days),
        allocation_rule=None if allocation_rule in rules else "Choose even spread or manual allocation.",
        supply_cost=(
            None
            if isinstance(supply_cost_pence, int) and 0 <= supply_cost_pence <= MAX_SUPPLY_POUNDS * 100
            else SUPPLY_MESSAGE
        ),
    ) | (date_problems(start_date, end_date, choice_deadline) if start_date else {})
    if errors:
        raise ValidationFailed(errors)
    wanted = {
        "name": name,
        "start_date": start_date,
        "end_date": end_date,
        "choice_deadline": choice_deadline,
        "turnaround_days": turnaround_days,
        "allocation_rule": str(allocation_rule),
        "supply_cost_pence": supply_cost_pence,
    }
    changes = {
        key: {"before": getattr(cohort, key), "after": value}
        for key, value in wanted.items()
        if getattr(cohort, key) != value
    }
    if not changes:
        return []
    for key, change in changes.items():
        setattr(cohort, key, change["after"])
    db.session.flush()
    audit_cohort("cohort_settings_changed", actor, cohort, changes=changes)
    return [SETTINGS[key] for key in changes]


# Closure days --------------------------------------------------------------------------------------------


def add_closure(
    actor, cohort: Cohort, *, first_day: date | None, last_day: date | None, label: str
) -> CohortClosure:
    """Record days the university is closed for this cohort (one day, or a range): not working days."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    label = (label or "").strip()
    existing = [(c.first_day, c.last_day, c.label) for c in cohort.closures]
    if problems := closure_problems(first_day, last_day, label, existing):
        raise ValidationFailed(problems)
    closure = CohortClosure(
        cohort_id=cohort.id, first_day=first_day, last_day=last_day or first_day, label=label
    )
    db.session.add(closure)
    db.session.flush()
    audit_cohort(
        "cohort_closure_added",
        actor,
        cohort,
        closure_id=closure.id,
        first_day=closure.first_day,
        last_day=closure.last_day,
        label=label,
    )
    return closure


def remove_closure(actor, cohort: Cohort, closure_id: int | None, first_day: date | None) -> CohortClosure:
    """Take a closure (as the page showed it: its id and first day) off the cohort's calendar: its days are
    working days again."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    closure = next((c for c in cohort.closures if (c.id, c.first_day) == (closure_id, first_day)), None)
    if closure is None:
        raise ValidationFailed("That closure is no longer in this cohort's calendar. Reload the page.")
    cohort.closures.remove(closure)
    db.session.flush()
    audit_cohort(
        "cohort_closure_removed",
        actor,
        cohort,
        closure_id=closure_id,
        first_day=closure.first_day,
        last_day=closure.last_day,
        label=closure.label,
    )
    return closure


# Copying a cohort for next year --------------------------------------------------------------------------

# Who the copy keeps: its staff, never its candidates (next year's are invited afresh).
STAFF_ROLES = (MemberRole.TUTOR, MemberRole.ASSESSOR, MemberRole.IQA)


def copy_cohort(actor, cohort: Cohort, *, name: str) -> Cohort:
    """Open next year's cohort from this one: its settings, staff, allocation rule, closure days (the same
    dates a year on) and sessions (52 weeks on, the same weekday and UK time); no candidates."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can copy a cohort.")
    name = (name or "").strip()
    problem = COHORT_NAME(name)
    if problem is None and name.casefold() == cohort.name.casefold():
        problem = f"Give the copy a name of its own: this cohort is already called {cohort.name}."
    if problem:
        raise ValidationFailed({"name": problem})
    copy = Cohort(
        name=name,
        version_id=cohort.version_id,
        award_code=cohort.award_code,
        module_code=cohort.module_code,
        start_date=a_year_on(cohort.start_date),
        end_date=a_year_on(cohort.end_date),
        choice_deadline=a_year_on(cohort.choice_deadline),
        course_leader_id=cohort.course_leader_id or actor.id,
        supply_cost_pence=cohort.supply_cost_pence,
        turnaround_days=cohort.turnaround_days,
        allocation_rule=cohort.allocation_rule,
    )
    db.session.add(copy)
    db.session.flush()
    staff = [m for m in cohort.members if m.role in STAFF_ROLES]
    db.session.add_all(CohortMember(cohort_id=copy.id, user_id=m.user_id, role=m.role) for m in staff)
    db.session.add_all(
        CohortClosure(
            cohort_id=copy.id,
            first_day=same_date_next_year(c.first_day),
            last_day=same_date_next_year(c.last_day),
            label=c.label,
        )
        for c in cohort.closures
    )
    db.session.add_all(
        CohortSession(
            cohort_id=copy.id,
            kind=s.kind,
            title=s.title,
            starts_at=moment_a_year_on(s.starts_at),
            ends_at=moment_a_year_on(s.ends_at),
            place=s.place,
            link=s.link,
            capacity=s.capacity,
            notes_md=s.notes_md,
            module_codes=s.module_codes,
        )
        for s in cohort.sessions
    )
    db.session.flush()
    audit_cohort(
        "cohort_copied",
        actor,
        copy,
        from_cohort_id=cohort.id,
        name=name,
        start=copy.start_date,
        staff=len(staff),
        sessions=len(cohort.sessions),
        closures=len(cohort.closures),
    )
    return copy


# Moving a cohort onto a newer version ---------------------------------------------------------------------


def newer_versions(cohort: Cohort) -> list[QualificationVersion]:
    """The published versions of the cohort's qualification newer than the one it studies, newest first."""
    current = cohort.qualification_version
    return list(
        db.session.scalars(
            select(QualificationVersion)
            .where(
                QualificationVersion.qualification_id == current.qualification_id,
                QualificationVersion.number > current.number,
                QualificationVersion.status == VersionStatus.PUBLISHED,
            )
            .order_by(QualificationVersion.number.desc())
        )
    )


@dataclass(frozen=True)
class VersionMove:
    before: int  # version numbers
    after: int
    choices_cleared: list[str]  # the names of candidates whose option choice no longer meets the rules


def _move_problem(cohort: Cohort, version: QualificationVersion | None, today: date) -> str | None:
    current = cohort.qualification_version
    if cohort.start_date <= today:
        return (
            f"{cohort.name} started on {long_date(cohort.start_date)}: a cohort that has started stays on "
            f"version {current.number}, the version its candidates enrolled on."
        )
    if (
        version is None
        or version.qualification_id != current.qualification_id
        or version.status != VersionStatus.PUBLISHED
        or version.number <= current.number
    ):
        return (
            f"Choose a published version of {current.qualification.code} newer than version {current.number}."
        )
    if problem := offer_problem(version, cohort.award_code, cohort.module_code):
        return f"{problem} The cohort stays on version {current.number}."
    return None


def move_to_version(
    actor, cohort: Cohort, *, version_id: int | None, today: date, expected_version: int | None
) -> VersionMove:
    """Move a cohort that has not started onto a newer published version of its qualification: its
    candidates' modules follow the new version, and an option choice that no longer meets the award's rules
    is cleared so the candidate is asked to choose again."""
    require(can_manage_cohort(actor, cohort), NOT_LEADER)
    _check_version(cohort, expected_version)
    version = db.session.get(QualificationVersion, version_id) if version_id else None
    if problem := _move_problem(cohort, version, today):
        raise ValidationFailed({"target": problem})
    before = cohort.qualification_version.number
    cohort.qualification_version = version
    db.session.flush()
    move_to_revisions(cohort.id, {link.code: link.module_id for link in version.module_links})
    cleared = []
    for member in cohort.members:
        if member.role != MemberRole.CANDIDATE:
            continue
        check, _ = pathway_status(member)
        if check is not None and not check.ok and chosen_codes(member):
            db.session.execute(delete(PathwayChoice).where(PathwayChoice.member_id == member.id))
            cleared.append(member.user.name)
        sync_enrolments(member)
    db.session.flush()
    audit_cohort(
        "cohort_version_changed",
        actor,
        cohort,
        before=before,
        after=version.number,
        version_id=version.id,
        choices_cleared=cleared,
    )
    return VersionMove(before, version.number, cleared)

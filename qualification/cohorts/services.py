"""Cohort use cases: create, invite candidates (one or a CSV), add staff, allocate assessors (by hand, or
by the cohort's rule when a candidate joins), the turnaround target. Calendar ones: qualification/calendar."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.accounts.services.invitations import Joining, invite
from core.audit.services import record
from core.errors import EditConflict, ValidationFailed, require
from core.extensions import db
from core.validation import errors_of
from core.web.words import plural
from qualification.cohorts.models import (
    LEFT,
    AllocationRule,
    AssessorAllocation,
    Cohort,
    CohortMember,
    MemberRole,
)
from qualification.cohorts.queries import studies_of
from qualification.cohorts.rules import (
    COHORT_NAME,
    SCHOOL,
    date_problems,
    even_spread_choice,
    turnaround_problem,
)
from qualification.pathway.services import sync_enrolments
from qualification.permissions import can_manage_cohort
from qualification.versions.models import QualificationVersion, VersionStatus

MAX_CSV_ROWS = 2000


def audit_cohort(action: str, actor, cohort: Cohort, **details) -> None:
    # The role the person acted in: a course leader who is also an admin acts as course leader.
    acting = Role.COURSE_LEADER if actor.has_role(Role.COURSE_LEADER) else Role.ADMIN
    record(action, actor=actor, actor_role=acting, obj=cohort, details=details)


def offer_problem(
    version: QualificationVersion, award_code: str | None, module_code: str | None
) -> str | None:
    """Why a cohort cannot study this award or CPD module of this version, if it cannot."""
    if bool(award_code) == bool(module_code):
        return "Choose one award, or one module taken on its own as CPD."
    if award_code and award_code not in {a.code for a in version.awards}:
        return f"Version {version.number} has no award {award_code}."
    if module_code:
        module = next((m for m in version.module_links if m.code == module_code), None)
        if module is None or not module.module.cpd:
            return f"{module_code} cannot be taken on its own as CPD in this version."
    if version.status != VersionStatus.PUBLISHED:
        return "Cohorts can only study a published version."
    return None


def create_cohort(
    actor,
    *,
    name: str,
    version: QualificationVersion,
    award_code: str | None,
    module_code: str | None,
    start_date: date,
    choice_deadline: date | None = None,
    turnaround_days: int = 15,
) -> Cohort:
    """Open an intake of one award, or of one module taken alone as CPD, on a published version."""
    require(can_manage_cohort(actor), "Only course leaders can create cohorts.")
    name = (name or "").strip()
    errors = errors_of(
        name=COHORT_NAME(name),
        offer=offer_problem(version, award_code, module_code),
        turnaround_days=turnaround_problem(turnaround_days),
    ) | date_problems(start_date, None, choice_deadline)
    if errors:
        raise ValidationFailed(errors)
    cohort = Cohort(
        name=name,
        qualification_version=version,
        award_code=award_code or None,
        module_code=module_code or None,
        start_date=start_date,
        choice_deadline=choice_deadline,
        course_leader_id=actor.id,
        turnaround_days=turnaround_days,
    )
    db.session.add(cohort)
    db.session.flush()
    audit_cohort(
        "cohort_created",
        actor,
        cohort,
        name=name,
        offer=award_code or module_code,
        start=start_date,
        turnaround_days=turnaround_days,
    )
    return cohort


def _membership(cohort: Cohort, user: User, role: MemberRole) -> CohortMember | None:
    return db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id, CohortMember.role == role
        )
    )


def invite_candidate(
    actor, cohort: Cohort, *, name: str, email: str, school: str | None
) -> tuple[User, bool]:
    """Invite a person into the cohort as a candidate; returns (user, whether they were newly added)."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can invite candidates.")
    school = (school or "").strip()
    if problem := SCHOOL(school):
        raise ValidationFailed({"school": problem})
    outcome = invite(
        actor,
        email=email,
        name=name,
        role=Role.CANDIDATE,
        organisation=school,
        already_ok=True,
        joining=Joining(cohort.name, studies_of(cohort)),
    )
    user = outcome.user
    if _membership(cohort, user, MemberRole.CANDIDATE) is not None:
        return user, False
    member = CohortMember(
        cohort_id=cohort.id, user_id=user.id, role=MemberRole.CANDIDATE, school=school or None
    )
    db.session.add(member)
    db.session.flush()
    # Compulsory modules (or the CPD module) are open to study from the start; options follow the choice.
    sync_enrolments(member)
    audit_cohort("cohort_candidate_added", actor, cohort, user_id=user.id, email=user.email, school=school)
    # Joining is when work can start to arrive: the candidate gets an assessor now, by the cohort's rule.
    allocate_by_rule(actor, cohort, user.id)
    return user, True


@dataclass
class CsvReport:
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line 4: ..." each


def invite_candidates_csv(actor, cohort: Cohort, raw: bytes) -> CsvReport:
    """Invite every good row of a CSV (name, email, school); bad rows are reported by line, good rows kept."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can invite candidates.")
    report = CsvReport()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problems.append("The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'.")
        return report
    rows = list(csv.reader(io.StringIO(text)))
    if rows and [c.strip().lower() for c in rows[0]][:2] == ["name", "email"]:
        rows = [None, *rows[1:]]  # keep line numbers true to the file
    if len(rows) > MAX_CSV_ROWS:
        report.problems.append(f"The file has more than {MAX_CSV_ROWS} rows. Split it into smaller files.")
        return report
    if not any(row and any(cell.strip() for cell in row) for row in rows):
        report.problems.append("The file has no candidates in it: one line each, name, email, school.")
        return report
    seen: set[str] = set()
    for line, row in enumerate(rows, start=1):
        if row is None or not any(cell.strip() for cell in row):
            continue
        if len(row) < 2 or len(row) > 3:
            report.problems.append(
                f"line {line}: expected name, email and school, found {plural(len(row), 'column')}"
            )
            continue
        name, email, school = (*row, "")[:3]
        key = email.strip().lower()
        if key in seen:
            report.problems.append(f"line {line}: {email.strip()} appears twice in the file")
            continue
        seen.add(key)
        # Each row in its own savepoint: a bad row is rolled back alone and the good rows stay.
        savepoint = db.session.begin_nested()
        try:
            user, added = invite_candidate(actor, cohort, name=name, email=email, school=school)
        except ValidationFailed as exc:
            savepoint.rollback()
            report.problems.append(f"line {line}: " + "; ".join(exc.errors.values()))
            continue
        savepoint.commit()
        (report.added if added else report.already).append(user.email)
    return report


def add_staff(actor, cohort: Cohort, user: User, role: MemberRole) -> bool:
    """Make someone a tutor, assessor or internal quality assurer of the cohort; False if already."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can add cohort staff.")
    role = MemberRole(role)
    if role == MemberRole.CANDIDATE:
        raise ValidationFailed({"role": "Invite candidates with the candidate form."})
    if role == MemberRole.ASSESSOR and not user.has_role(Role.ASSESSOR):
        raise ValidationFailed(
            {"email": f"{user.name} does not hold the assessor role. Invite them as an assessor."}
        )
    if role == MemberRole.IQA and not user.has_role(Role.IQA):
        raise ValidationFailed(
            {"email": f"{user.name} does not hold the internal quality assurer role. Ask an admin to add it."}
        )
    if _membership(cohort, user, role) is not None:
        return False
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role=role))
    db.session.flush()
    audit_cohort("cohort_staff_added", actor, cohort, user_id=user.id, role=role.value)
    return True


def _member_ids(cohort: Cohort, role: MemberRole, *, current: bool = False) -> list[int]:
    """The members in this role; `current`: not those who have left (withdrawn, transferred)."""
    query = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.role == role)
    if current:
        query = query.where(CohortMember.status.not_in(list(LEFT)))
    return list(db.session.scalars(query.order_by(CohortMember.id)))


def allocate(actor, cohort: Cohort, *, candidate_id: int, assessor_id: int) -> None:
    """Allocate (or reallocate) one candidate to one of the cohort's assessors."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can allocate assessors.")
    if candidate_id not in _member_ids(cohort, MemberRole.CANDIDATE):
        raise ValidationFailed({"candidate": "Choose a candidate of this cohort."})
    if assessor_id not in _member_ids(cohort, MemberRole.ASSESSOR):
        raise ValidationFailed({"assessor": "Choose an assessor of this cohort."})
    if candidate_id == assessor_id:
        raise ValidationFailed({"assessor": "Nobody can assess their own work."})
    row = db.session.scalar(
        select(AssessorAllocation).where(
            AssessorAllocation.cohort_id == cohort.id, AssessorAllocation.candidate_id == candidate_id
        )
    )
    before = row.assessor_id if row else None
    if before == assessor_id:
        return
    if row is None:
        db.session.add(
            AssessorAllocation(cohort_id=cohort.id, candidate_id=candidate_id, assessor_id=assessor_id)
        )
    else:
        row.assessor_id = assessor_id
    db.session.flush()
    audit_cohort(
        "assessor_allocated", actor, cohort, candidate_id=candidate_id, before=before, after=assessor_id
    )


def assessor_loads(cohort: Cohort) -> dict[int, tuple[int, str]]:
    """Each assessor of the cohort -> (candidates allocated to them here, their name)."""
    counts = (
        select(AssessorAllocation.assessor_id, func.count().label("n"))
        .where(AssessorAllocation.cohort_id == cohort.id)
        .group_by(AssessorAllocation.assessor_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CohortMember.user_id, User.name, func.coalesce(counts.c.n, 0))
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(counts, counts.c.assessor_id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.ASSESSOR)
    )
    return {user_id: (count, name) for user_id, name, count in rows}


def allocate_evenly(actor, cohort: Cohort) -> int:
    """Give every unallocated candidate the assessor with the fewest candidates; return how many."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can allocate assessors.")
    load = assessor_loads(cohort)
    if not load:
        raise ValidationFailed({"": "Add at least one assessor to the cohort first."})
    allocated = set(
        db.session.scalars(
            select(AssessorAllocation.candidate_id).where(AssessorAllocation.cohort_id == cohort.id)
        )
    )
    made = 0
    for candidate_id in _member_ids(cohort, MemberRole.CANDIDATE, current=True):
        if candidate_id in allocated:
            continue
        assessor_id = even_spread_choice(load, candidate_id)
        if assessor_id is None:
            continue
        db.session.add(
            AssessorAllocation(cohort_id=cohort.id, candidate_id=candidate_id, assessor_id=assessor_id)
        )
        count, name = load[assessor_id]
        load[assessor_id] = (count + 1, name)
        made += 1
    db.session.flush()
    if made:
        audit_cohort("assessors_allocated_evenly", actor, cohort, allocations=made)
    return made


def allocated_assessor_id(cohort: Cohort, candidate_id: int) -> int | None:
    """The assessor the candidate is allocated to in the cohort, if any."""
    return db.session.scalar(
        select(AssessorAllocation.assessor_id).where(
            AssessorAllocation.cohort_id == cohort.id, AssessorAllocation.candidate_id == candidate_id
        )
    )


def allocate_by_rule(actor, cohort: Cohort, candidate_id: int) -> int | None:
    """Allocate a candidate who joins by the cohort's rule; the assessor's id, or None (manual, nobody)."""
    existing = allocated_assessor_id(cohort, candidate_id)
    if existing is not None or cohort.allocation_rule != AllocationRule.EVEN:
        return existing
    assessor_id = even_spread_choice(assessor_loads(cohort), candidate_id)
    if assessor_id is None:
        return None  # no assessor yet: the work waits in the cohort's Unallocated queue
    db.session.add(
        AssessorAllocation(cohort_id=cohort.id, candidate_id=candidate_id, assessor_id=assessor_id)
    )
    db.session.flush()
    details = {
        "candidate_id": candidate_id,
        "before": None,
        "after": assessor_id,
        "rule": AllocationRule.EVEN,
    }
    if actor is not None and can_manage_cohort(actor, cohort):
        audit_cohort("assessor_allocated", actor, cohort, **details)
    else:  # the candidate accepting their invitation: the rule acts, not them
        record("assessor_allocated", obj=cohort, details=details)
    return assessor_id


def allocate_on_joining(user: User) -> None:
    """Allocate an invited person who has just joined, in every cohort where they still have no assessor."""
    cohorts = db.session.scalars(
        select(Cohort)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id, CohortMember.role == MemberRole.CANDIDATE)
        .order_by(Cohort.id)
    )
    for cohort in cohorts:
        allocate_by_rule(None, cohort, user.id)


def set_allocation_rule(actor, cohort: Cohort, *, rule: str) -> None:
    """Choose how candidates who join the cohort get an assessor: even spread or by hand."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can choose the allocation rule.")
    try:
        rule = AllocationRule(rule)
    except ValueError:
        raise ValidationFailed({"rule": "Choose even spread or manual allocation."}) from None
    before = cohort.allocation_rule
    if before == rule:
        return
    cohort.allocation_rule = rule
    db.session.flush()
    audit_cohort("cohort_allocation_rule_set", actor, cohort, before=before, after=rule.value)


def set_turnaround(actor, cohort: Cohort, *, days: int, expected_version: int | None = None) -> None:
    """Set the cohort's target for judging a submission, in working days (1 to 120)."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can set the turnaround target.")
    if expected_version is not None and expected_version != cohort.version:
        raise EditConflict(
            "Someone changed this cohort since you opened the page. Check the target and save again."
        )
    if problem := turnaround_problem(days):
        raise ValidationFailed({"days": problem})
    before = cohort.turnaround_days
    cohort.turnaround_days = days
    db.session.flush()
    audit_cohort("cohort_turnaround_set", actor, cohort, before=before, after=days)

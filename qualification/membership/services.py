"""A candidate over the year: a break in learning and the return from it, withdrawal, transfer to another
cohort. Each is the course leader's act, with an audit row on the cohort; nothing the candidate did is lost.

What stops while a candidate is away is worked out from their breaks by the pure rules in
qualification/cohorts/rules.py (`paused_days`, `shift_for_breaks`): the assessors' queue reads them for the
turnaround clock, and deadlines move by them.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from core.db.timeutil import UK, long_date
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from core.validation import Text, errors_of
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from modules.study.services import move_enrolments
from qualification.booking.services import release_candidate
from qualification.cohorts.models import Cohort, CohortMember, MemberRole, MemberStatus
from qualification.cohorts.queries import cohort_about
from qualification.cohorts.services import allocate_by_rule, audit_cohort
from qualification.membership.models import LearningBreak
from qualification.membership.queries import breaks_of, open_break
from qualification.pathway.models import PathwayChoice
from qualification.pathway.services import chosen_codes, sync_enrolments
from qualification.permissions import can_manage_cohort
from qualification.results.services import live_module_results

REASON = Text(
    2000,
    "Keep the reason to 2,000 characters.",
    "Give the reason: it stays in the candidate's record.",
)
LEADERS_ONLY = "Only course leaders change where a candidate stands in a cohort."
CHOOSE_COHORT = "Choose the cohort they move to."


def _is_status(member: CohortMember, *allowed: MemberStatus, doing: str) -> None:
    """Refuse (409) a move the candidate's status does not allow, in words."""
    if member.status in allowed:
        return
    status = MemberStatus(member.status)
    raise InvalidTransition(f"{member.user.name} is {status.label.lower()} in this cohort, so {doing}.")


def _checked(actor, member: CohortMember) -> None:
    require(can_manage_cohort(actor, member.cohort), LEADERS_ONLY)
    if member.role != MemberRole.CANDIDATE:
        raise ValidationFailed({"": "Only a candidate can take a break, withdraw or move cohort."})


def _start_problem(member: CohortMember, starts_on: date | None, today: date) -> str | None:
    if starts_on is None:
        return "Enter the first day of the break."
    if starts_on > today:
        return "Record a break from the day it begins: enter today's date or an earlier one."
    joined = member.added_at.astimezone(UK).date()
    if starts_on < joined:
        return f"The break cannot begin before {member.user.name} joined the cohort ({long_date(joined)})."
    ended = [b.ends_on for b in breaks_of(member) if b.ends_on is not None]
    if ended and starts_on < max(ended):
        return f"The break cannot begin before their last break ended ({long_date(max(ended))})."
    return None


def _tell(member: CohortMember, kind: str, title: str, body: str) -> None:
    """Tell the candidate what their course leader recorded about them (in-app, and by email as they
    prefer): they are never left to find out from a changed page."""
    notify(
        member.user_id,
        kind=kind,
        title=title,
        body=body,
        about=cohort_about(member.cohort_id),
        link_endpoint="core.home.home",
    )


def suspend_candidate(
    actor,
    member: CohortMember,
    *,
    starts_on: date | None,
    expected_return_on: date | None,
    reason: str,
    today: date,
) -> LearningBreak:
    """Start a break in learning: the candidate's deadlines and turnaround clocks stop from `starts_on`."""
    _checked(actor, member)
    _is_status(member, MemberStatus.ACTIVE, doing="a break cannot be recorded now")
    reason = (reason or "").strip()
    back_problem = None
    if expected_return_on is None:
        back_problem = "Enter the day they are expected back."
    elif starts_on is not None and expected_return_on <= starts_on:
        back_problem = "They are expected back after the break begins: enter a later date."
    errors = errors_of(
        starts_on=_start_problem(member, starts_on, today),
        expected_return_on=back_problem,
        reason=REASON(reason),
    )
    if errors:
        raise ValidationFailed(errors)
    away = LearningBreak(
        member_id=member.id,
        starts_on=starts_on,
        expected_return_on=expected_return_on,
        reason=reason,
        recorded_by_id=actor.id,
    )
    db.session.add(away)
    member.move_to(MemberStatus.SUSPENDED)
    db.session.flush()
    audit_cohort(
        "candidate_suspended",
        actor,
        member.cohort,
        candidate_id=member.user_id,
        break_id=away.id,
        starts_on=starts_on,
        expected_return_on=expected_return_on,
        reason=reason,
    )
    _tell(
        member,
        "candidate_suspended",
        f"Your break in learning from {long_date(starts_on)} is recorded",
        f"While you are away your deadlines and your assessor's clock stand still; you are expected back on "
        f"{long_date(expected_return_on)}. Nothing of your work is lost.",
    )
    return away


def record_return(actor, member: CohortMember, *, returned_on: date | None, today: date) -> LearningBreak:
    """End the candidate's break: from `returned_on` their clocks run again, the break's days left out."""
    _checked(actor, member)
    _is_status(member, MemberStatus.SUSPENDED, doing="there is no break to end")
    away = open_break(member)
    if returned_on is None:
        problem = "Enter the day they came back."
    elif returned_on > today:
        problem = "Record a return on the day it happens or after: enter today's date or an earlier one."
    elif away is not None and returned_on < away.starts_on:
        problem = (
            f"They came back after the break began ({long_date(away.starts_on)}): enter that day or later."
        )
    else:
        problem = None
    if problem:
        raise ValidationFailed({"returned_on": problem})
    _end_break(actor, away, returned_on)
    member.move_to(MemberStatus.ACTIVE)
    db.session.flush()
    audit_cohort(
        "candidate_returned",
        actor,
        member.cohort,
        candidate_id=member.user_id,
        break_id=away.id if away else None,
        returned_on=returned_on,
        days_away=(returned_on - away.starts_on).days if away else 0,
    )
    _tell(
        member,
        "candidate_returned",
        f"Welcome back: your return on {long_date(returned_on)} is recorded",
        "Your deadlines have moved on by the days of your break; carry on where you stopped.",
    )
    return away


def _end_break(actor, away: LearningBreak | None, on: date) -> None:
    if away is not None:
        away.ends_on = on
        away.ended_by_id = actor.id


def withdraw_candidate(actor, member: CohortMember, *, reason: str, now: datetime) -> None:
    """Withdraw a candidate: their portfolio, results and audit trail stay, read-only for the retention
    period (counted from `withdrawn_at`); their waiting work leaves the assessors' queues."""
    _checked(actor, member)
    _is_status(member, MemberStatus.ACTIVE, MemberStatus.SUSPENDED, doing="they cannot be withdrawn")
    reason = (reason or "").strip()
    if problem := REASON(reason):
        raise ValidationFailed({"reason": problem})
    was = member.status
    if was == MemberStatus.SUSPENDED:
        # Withdrawing ends the break: its days stay paused, and nothing runs on after it.
        _end_break(actor, open_break(member), now.astimezone(UK).date())
    member.move_to(MemberStatus.WITHDRAWN)
    member.withdrawn_at = now
    member.left_reason = reason
    db.session.flush()
    # Their places in sessions to come go to the waiting lists (who are told); their own turns end.
    released = release_candidate(actor, member.cohort, member.user_id, why="withdrawn")
    audit_cohort(
        "candidate_withdrawn",
        actor,
        member.cohort,
        candidate_id=member.user_id,
        was=str(was),
        reason=reason,
        bookings_cancelled=released,
    )
    cancelled = f" Your bookings for sessions to come are cancelled ({released})." if released else ""
    _tell(
        member,
        "candidate_withdrawn",
        f"You are withdrawn from {member.cohort.name}",
        "You can still read your portfolio, results and transcript and download your files; you can no "
        f"longer change them.{cancelled}",
    )


def _modules_of(member: CohortMember, family: str) -> set[str]:
    """The modules the candidate studies through this cohort, or has achieved in the qualification."""
    studied = db.session.scalars(
        select(ModuleEnrolment.module_code).where(
            ModuleEnrolment.candidate_id == member.user_id,
            ModuleEnrolment.cohort_id == member.cohort_id,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    )
    achieved = (r.module_code for r in live_module_results(member.user_id) if r.family == family)
    return {*studied, *achieved}


def _target_problem(member: CohortMember, target: Cohort | None) -> str | None:
    """Why the candidate cannot move to this cohort, in words; None when they can."""
    here = member.cohort
    if target is None:
        return CHOOSE_COHORT
    if target.id == here.id:
        return f"{member.user.name} is in {here.name} already: choose another cohort."
    old, new = here.qualification_version, target.qualification_version
    if old.qualification_id != new.qualification_id:
        return (
            f"{target.name} studies {new.title}, another qualification: their results and prior learning "
            f"count towards {old.title}. Choose a cohort of {old.title}."
        )
    if (target.award_code, target.module_code) != (here.award_code, here.module_code):
        studies = target.award_code or f"{target.module_code} as CPD"
        ours = here.award_code or f"{here.module_code} as CPD"
        return f"{target.name} studies {studies}, not {ours}: choose a cohort of the same award."
    missing = sorted(_modules_of(member, old.qualification.code) - {link.code for link in new.module_links})
    if missing:
        return (
            f"{target.name} studies version {new.number}, which has no {', '.join(missing)}: "
            f"{member.user.name} studies or has achieved {'it' if len(missing) == 1 else 'them'}. "
            "Choose a cohort whose version has all their modules."
        )
    already = db.session.scalar(
        select(CohortMember.id).where(
            CohortMember.cohort_id == target.id,
            CohortMember.user_id == member.user_id,
            CohortMember.role == MemberRole.CANDIDATE,
        )
    )
    if already is not None:
        return f"{member.user.name} has been a candidate of {target.name} before: choose another cohort."
    return None


def transfer_candidate(actor, member: CohortMember, target: Cohort | None, *, reason: str) -> CohortMember:
    """Move a candidate to another cohort of the same qualification: their portfolio, results, prior learning
    and study progress go with them; they get an assessor by the new cohort's rule; the old membership is
    kept, marked transferred, so the history reads truly. Returns the new membership."""
    _checked(actor, member)
    require(target is None or can_manage_cohort(actor, target), LEADERS_ONLY)
    _is_status(
        member,
        MemberStatus.ACTIVE,
        doing="they cannot move now"
        + (": record their return first" if member.status == MemberStatus.SUSPENDED else ""),
    )
    reason = (reason or "").strip()
    errors = errors_of(cohort=_target_problem(member, target), reason=REASON(reason))
    if errors:
        raise ValidationFailed(errors)
    moved = CohortMember(
        cohort=target, user_id=member.user_id, role=MemberRole.CANDIDATE, school=member.school
    )
    db.session.add(moved)
    db.session.flush()
    # Their optional modules come too, where the new version has them (the pathway check then decides).
    offered = {link.code for link in target.qualification_version.module_links}
    db.session.add_all(
        PathwayChoice(member_id=moved.id, module_code=code, position=n)
        for n, code in enumerate(c for c in chosen_codes(member) if c in offered)
    )
    db.session.flush()
    carried = move_enrolments(member.user_id, from_cohort_id=member.cohort_id, to_cohort_id=target.id)
    sync_enrolments(moved)
    member.move_to(MemberStatus.TRANSFERRED)
    member.transferred_to_id = moved.id
    member.left_reason = reason
    db.session.flush()
    # Their places in the old cohort's sessions to come go to its waiting lists (who are told).
    released = release_candidate(actor, member.cohort, member.user_id, why="transferred")
    # Work nobody has started to judge goes to the new cohort's assessor (assessors register how).
    work = sum(
        move(member.user_id, member.cohort_id, target.id)
        for move in current_app.extensions.get("waymark_on_transfer", [])
    )
    audit_cohort(
        "candidate_transferred",
        actor,
        member.cohort,
        candidate_id=member.user_id,
        to_cohort_id=target.id,
        member_id=moved.id,
        modules=carried,
        work_moved=work,
        bookings_cancelled=released,
        reason=reason,
    )
    audit_cohort(
        "candidate_transferred_in",
        actor,
        target,
        candidate_id=member.user_id,
        from_cohort_id=member.cohort_id,
    )
    allocate_by_rule(actor, target, member.user_id)
    _tell(
        moved,
        "candidate_transferred",
        f"You have moved to {target.name}",
        "Your portfolio, results, prior learning and study progress came with you.",
    )
    return moved

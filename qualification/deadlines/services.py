"""Deadlines and extensions: the course leader sets a module's deadline, a candidate asks for more time, a
tutor or course leader grants it (with a new date) or refuses it (with a reason); reminders before the day.

Each change writes its audit row in the caller's transaction and flushes; the view commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from core.accounts.models import Role
from core.audit.services import record
from core.db.rows import added
from core.db.timeutil import UK, utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from core.validation import errors_of
from modules.study.models import EnrolmentStatus, ModuleEnrolment
from modules.study.queries import closed_modules
from qualification.cohorts.models import LEFT, Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import cohort_about, cohort_modules
from qualification.deadlines.models import (
    DeadlineExtension,
    DeadlineReminder,
    ExtensionStatus,
    ModuleDeadline,
)
from qualification.deadlines.permissions import (
    can_ask_for_extension,
    can_decide_extensions,
    can_set_deadlines,
)
from qualification.deadlines.queries import reminders_due
from qualification.deadlines.queries.personal import PersonalDeadline, current_deadline, personal_deadlines
from qualification.deadlines.rules import (
    NOTE,
    REASON,
    REFUSAL,
    deadline_problem,
    grant_problem,
    long_date,
    proposal_problem,
)

DECIDERS_ONLY = "Only the cohort's tutors and course leaders decide extension requests."


def _text(value: str | None) -> str:
    # Browsers send CRLF line ends; blank edges carry no meaning.
    return (value or "").replace("\r\n", "\n").strip()


def _acting_role(actor, cohort: Cohort) -> str:
    """The role someone acts in on a cohort's deadlines, for the audit trail."""
    if actor.has_role(Role.COURSE_LEADER):
        return Role.COURSE_LEADER
    if any(m.user_id == actor.id and m.role == MemberRole.TUTOR for m in cohort.members):
        return MemberRole.TUTOR
    return Role.ADMIN


def _audit(action: str, actor, cohort: Cohort, obj, *, role: str | None = None, **details) -> None:
    """The audit row of a change to the cohort's deadlines, in the role the actor acts in."""
    record(
        action,
        actor=actor,
        actor_role=role or _acting_role(actor, cohort),
        obj=obj,
        details={"cohort_id": cohort.id, **details},
    )


# The cohort's deadlines -----------------------------------------------------------------------------------


def set_deadline(
    actor, cohort: Cohort, *, module_code: str, due_on: date | None, today: date
) -> ModuleDeadline:
    """Set (or move) the cohort's deadline for one module; setting the same date again changes nothing."""
    require(can_set_deadlines(actor, cohort), "Only course leaders set the cohort's deadlines.")
    known = dict(cohort_modules(cohort))
    errors = errors_of(
        module_code=None if module_code in known else "Choose one of the modules this cohort studies.",
        due_on=deadline_problem(due_on, today=today, starts_on=cohort.start_date),
    )
    if errors:
        raise ValidationFailed(errors)
    deadline = db.session.scalar(
        select(ModuleDeadline).where(
            ModuleDeadline.cohort_id == cohort.id, ModuleDeadline.module_code == module_code
        )
    )
    was = deadline.due_on if deadline is not None else None
    if was == due_on:
        return deadline
    if deadline is None:
        deadline = ModuleDeadline(cohort_id=cohort.id, module_code=module_code)
        db.session.add(deadline)
    deadline.due_on, deadline.set_by_id, deadline.set_at = due_on, actor.id, utcnow()
    db.session.flush()
    action = "deadline_set" if was is None else "deadline_moved"
    when = {"due_on": due_on.isoformat(), "was": was.isoformat() if was else None}
    _audit(action, actor, cohort, deadline, module_code=module_code, **when)
    _tell_studying(cohort, module_code, due_on, moved=was is not None)
    return deadline


def _tell_studying(cohort: Cohort, module_code: str, due_on: date, *, moved: bool) -> None:
    """Tell the cohort's candidates who study the module (and have not left) of its new or moved deadline;
    their own date (an extension, a break) is on their deadlines page."""
    studying = db.session.scalars(
        select(ModuleEnrolment.candidate_id)
        .join(
            CohortMember,
            (CohortMember.cohort_id == ModuleEnrolment.cohort_id)
            & (CohortMember.user_id == ModuleEnrolment.candidate_id)
            & (CohortMember.role == MemberRole.CANDIDATE),
        )
        .where(
            ModuleEnrolment.cohort_id == cohort.id,
            ModuleEnrolment.module_code == module_code,
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
            CohortMember.status.not_in(list(LEFT)),
        )
        .distinct()
    )
    what, about = ("moved to" if moved else "set for"), cohort_about(cohort.id)
    for candidate_id in studying:
        notify(
            candidate_id,
            kind="deadline_set",
            title=f"The {module_code} deadline is {what} {long_date(due_on)}",
            body="Your own deadline, with any extension or break in learning, is on your deadlines page.",
            about=about,
            link_endpoint="qualification.deadlines.show_deadlines",
            cohort_id=cohort.id,
        )


def remove_deadline(actor, deadline: ModuleDeadline) -> None:
    """Take a deadline away, while no candidate has asked for an extension of it (their requests and
    decisions are kept with it)."""
    cohort = deadline.cohort
    require(can_set_deadlines(actor, cohort), "Only course leaders set the cohort's deadlines.")
    asked = db.session.scalar(
        select(func.count(DeadlineExtension.id)).where(DeadlineExtension.deadline_id == deadline.id)
    )
    if asked:
        raise InvalidTransition(
            f"Candidates have asked for extensions of the {deadline.module_code} deadline, so it stays with "
            "their requests. Move its date instead."
        )
    _audit(
        "deadline_removed",
        actor,
        cohort,
        deadline,
        module_code=deadline.module_code,
        due_on=deadline.due_on.isoformat(),
    )
    db.session.delete(deadline)
    db.session.flush()


# Extensions -----------------------------------------------------------------------------------------------


def own_deadline(candidate_id: int, deadline: ModuleDeadline) -> PersonalDeadline | None:
    """The candidate's own view of one deadline (None when they do not study its module in its cohort)."""
    return next(
        (p for p in personal_deadlines(candidate_id, deadline.cohort_id) if p.deadline.id == deadline.id),
        None,
    )


def request_extension(
    actor, deadline: ModuleDeadline, *, proposed_until: date | None, reason: str | None, today: date
) -> DeadlineExtension:
    """A candidate asks for more time on one module, with a reason and the date they propose; the cohort's
    course leader and tutors are told."""
    cohort = deadline.cohort
    code = deadline.module_code
    require(can_ask_for_extension(actor, cohort), "Only the cohort's candidates ask for extensions.")
    mine = own_deadline(actor.id, deadline)
    if mine is None:
        raise InvalidTransition(f"You do not study {code} in this cohort, so it sets you no deadline.")
    handed_in = closed_modules(actor.id).get(mine.key)
    if handed_in:
        raise InvalidTransition(f"{code} needs no extension: it is {handed_in}.")
    if mine.pending:
        raise InvalidTransition(
            f"You have already asked for more time on {code}. Your tutor or course leader will decide; "
            "you will be told."
        )
    reason = _text(reason)
    errors = errors_of(
        reason=REASON(reason),
        proposed_until=proposal_problem(proposed_until, today=today, current=mine.due),
    )
    if errors:
        raise ValidationFailed(errors)
    extension = DeadlineExtension(
        deadline_id=deadline.id, candidate_id=actor.id, reason=reason, proposed_until=proposed_until
    )
    if not added(extension):
        # The same request sent twice at once (two tabs): the open-request index let one through.
        raise InvalidTransition(f"You have already asked for more time on {code}.")
    asked = {"deadline": mine.due.isoformat(), "proposed_until": proposed_until.isoformat()}
    _audit(
        "extension_requested",
        actor,
        cohort,
        extension,
        role=MemberRole.CANDIDATE,
        deadline_id=deadline.id,
        module_code=code,
        **asked,
    )
    deciders = {cohort.course_leader_id} | {m.user_id for m in cohort.members if m.role == MemberRole.TUTOR}
    for user_id in sorted(deciders - {None, actor.id}):
        notify(
            user_id,
            kind="extension_requested",
            title=f"Extension asked: {actor.name}, {code} ({cohort.name})",
            body=f"Proposed {long_date(proposed_until)}; due now {long_date(mine.due)}. {reason[:300]}",
            link_endpoint="qualification.deadlines.show_extension",
            cohort_id=cohort.id,
            extension_id=extension.id,
        )
    return extension


def _decidable(actor, extension: DeadlineExtension) -> tuple[Cohort, date]:
    """The request's cohort and the candidate's deadline now, once the actor may decide and it is open."""
    cohort = extension.deadline.cohort
    require(can_decide_extensions(actor, cohort) and extension.candidate_id != actor.id, DECIDERS_ONLY)
    if extension.status != ExtensionStatus.REQUESTED:
        who = extension.decided_by.name if extension.decided_by else "someone"
        raise InvalidTransition(
            f"This request was already {extension.status.label.lower()} by {who}, so nothing was changed."
        )
    # Extensions granted before this one, and the candidate's breaks in learning.
    return cohort, current_deadline(extension)


def _decided(
    actor,
    cohort: Cohort,
    extension: DeadlineExtension,
    status: ExtensionStatus,
    note: str,
    told: str,
    **details,
):
    """Record the decision (audited) and tell the candidate (`told`: the notification's title)."""
    extension.move_to(status)
    extension.decided_by_id, extension.decided_at, extension.decision_note = actor.id, utcnow(), note
    db.session.flush()
    _audit(
        f"extension_{status.value}",
        actor,
        cohort,
        extension,
        deadline_id=extension.deadline_id,
        candidate_id=extension.candidate_id,
        module_code=extension.deadline.module_code,
        proposed_until=extension.proposed_until.isoformat(),
        **details,
    )
    notify(
        extension.candidate_id,
        kind=f"extension_{status.value}",
        title=told,
        body=note,
        link_endpoint="qualification.deadlines.show_deadlines",
        cohort_id=cohort.id,
    )


def grant_extension(
    actor, extension: DeadlineExtension, *, until: date | None, note: str | None, today: date
) -> DeadlineExtension:
    """Grant the request with a new deadline (the one proposed, or another later than the candidate's
    deadline now); the candidate is told."""
    cohort, current = _decidable(actor, extension)
    note = _text(note)
    errors = errors_of(until=grant_problem(until, today=today, current=current), note=NOTE(note))
    if errors:
        raise ValidationFailed(errors)
    extension.granted_until = until
    code = extension.deadline.module_code
    _decided(
        actor,
        cohort,
        extension,
        ExtensionStatus.GRANTED,
        note,
        f"Extension granted: {code} is now due {long_date(until)}",
        granted_until=until.isoformat(),
        was=current.isoformat(),
    )
    return extension


def refuse_extension(actor, extension: DeadlineExtension, *, reason: str | None) -> DeadlineExtension:
    """Refuse the request, saying why; the candidate's deadline stays and they are told."""
    cohort, current = _decidable(actor, extension)
    reason = _text(reason)
    problem = REFUSAL(reason)
    if problem:
        raise ValidationFailed({"reason": problem})
    told = f"Extension refused: {extension.deadline.module_code} is still due {long_date(current)}"
    _decided(actor, cohort, extension, ExtensionStatus.REFUSED, reason, told, deadline=current.isoformat())
    return extension


# Reminders -------------------------------------------------------------------------------------------------


def _when(due: date, today: date) -> str:
    left = (due - today).days
    near = {0: "due today", 1: "due tomorrow"}.get(left, f"due in {left} days")
    return f"{near}, {long_date(due)}"


def remind_deadlines(now: datetime) -> int:
    """Remind candidates of a deadline a week and a day before, once each per date, unless they have
    handed the module in; return how many reminders went (email respects their quiet hours and digest)."""
    today = now.astimezone(UK).date()
    handed_in: dict[int, dict] = {}
    sent = 0
    for item, days in reminders_due(today):
        if item.candidate_id not in handed_in:
            handed_in[item.candidate_id] = closed_modules(item.candidate_id)
        if item.key in handed_in[item.candidate_id]:
            continue
        reminder = DeadlineReminder(
            deadline_id=item.deadline.id,
            candidate_id=item.candidate_id,
            due_on=item.due,
            days=days,
            sent_at=now,
        )
        if not added(reminder):
            continue  # another server's run sent it first
        code = item.deadline.module_code
        notify(
            item.candidate_id,
            kind="deadline_reminder",
            title=f"Reminder: {code} is {_when(item.due, today)}",
            body=f"{code} {item.module_title} ({item.cohort_name}). Submit it by the end of the day.",
            link_endpoint="qualification.deadlines.show_deadlines",
            cohort_id=item.deadline.cohort_id,
        )
        sent += 1
    return sent

"""Removing or replacing a member of a cohort's staff. An assessor's candidates (and with them all their
waiting work: the queue follows the allocation) go where the course leader chooses: to another assessor of
the cohort, spread evenly among the others, to a replacement, or explicitly to the Unallocated queue. An IQA
who is the cohort's last cannot go while decisions wait for review unless someone takes over. Nothing is
left with nobody without the leader choosing it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from assessors.staffing.queries import reviews_waiting, staff_work, waiting_in_queue
from core.accounts.models import User
from core.accounts.services.sessions import normalise_email
from core.db.enums import LabelledEnum
from core.errors import ValidationFailed, require
from core.extensions import db
from core.notifications.services import notify
from qualification.cohorts.models import AssessorAllocation, Cohort, CohortMember, MemberRole
from qualification.cohorts.rules import even_spread_choice
from qualification.cohorts.services import add_staff, assessor_loads, audit_cohort
from qualification.permissions import can_manage_cohort


class Take(LabelledEnum):
    """Who takes a departing assessor's candidates and their waiting work."""

    ASSESSOR = "assessor", "One of the cohort's other assessors"
    SPREAD = "spread", "Spread them evenly among the cohort's other assessors"
    REPLACE = "replace", "A replacement, who joins the cohort as assessor"
    UNALLOCATED = "unallocated", "Nobody for now: their work waits in the cohort's Unallocated queue"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


@dataclass
class Removal:
    """What removing someone did, for the page that says so."""

    name: str
    role: MemberRole
    replaced_by: str | None = None
    # the assessor who took candidates over -> those candidates (both Users)
    moved: dict[User, list[User]] = field(default_factory=dict)
    unallocated: list[User] = field(default_factory=list)  # candidates left to the Unallocated queue


def _replacement(member: CohortMember, email: str | None) -> User:
    """The person named to take over (the role's own check comes when they are added to the cohort)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email or "")))
    if user is None:
        raise ValidationFailed({"email": "No account has that email address. Invite them first."})
    if user.id == member.user_id:
        raise ValidationFailed({"email": f"That is {user.name}: name the person who takes over."})
    return user


def _spread(cohort: Cohort, others: set[int], candidates: list[User]) -> dict[int, int]:
    if not others:
        raise ValidationFailed(
            {"take": "No other assessor is in this cohort to share them: name a replacement instead."}
        )
    loads = {a: load for a, load in assessor_loads(cohort).items() if a in others}
    chosen = {}
    for candidate in candidates:
        assessor = even_spread_choice(loads, candidate.id)
        if assessor is None:
            raise ValidationFailed({"take": f"Nobody else here can assess {candidate.name}."})
        chosen[candidate.id] = assessor
        count, name = loads[assessor]
        loads[assessor] = (count + 1, name)
    return chosen


def _targets(actor, cohort: Cohort, member: CohortMember, candidates: list[User], take: Take, to_id, email):
    """candidate id -> the assessor who takes them (None: the Unallocated queue), and the replacement."""
    others = {u.id for u in staff_work(cohort, member).others}
    if take == Take.UNALLOCATED:
        return dict.fromkeys((c.id for c in candidates), None), None
    if take == Take.SPREAD:
        return _spread(cohort, others, candidates), None
    replacement = None
    if take == Take.ASSESSOR:
        if to_id not in others:
            raise ValidationFailed({"to": "Choose another assessor of this cohort."})
        target = to_id
    else:
        replacement = _replacement(member, email)
        target = replacement.id
    if any(c.id == target for c in candidates):
        raise ValidationFailed({"to": "Nobody can assess their own work: choose someone else."})
    if replacement is not None:
        add_staff(actor, cohort, replacement, MemberRole.ASSESSOR)  # refuses someone without the role
    return dict.fromkeys((c.id for c in candidates), target), replacement


def remove_staff(
    actor, cohort: Cohort, member: CohortMember, *, take: str | None, to_id: int | None, email: str | None
) -> Removal:
    """Take someone off the cohort's staff in one role; their waiting work goes where the leader chose."""
    require(can_manage_cohort(actor, cohort), "Only course leaders can change a cohort's staff.")
    role, user = MemberRole(member.role), member.user
    removal = Removal(user.name, role)
    details: dict = {"user_id": user.id, "role": role.value}
    if role == MemberRole.ASSESSOR:
        candidates = staff_work(cohort, member).candidates
        if candidates:
            if take not in {t.value for t in Take}:
                raise ValidationFailed({"take": f"Choose who takes {user.name}'s candidates and their work."})
            waiting = waiting_in_queue(cohort.id, user.id)
            targets, replacement = _targets(actor, cohort, member, candidates, Take(take), to_id, email)
            _reallocate(cohort, user.id, targets)
            _describe(removal, candidates, targets, replacement)
            details |= {"take": take, "moved": {str(c): a for c, a in targets.items()}, "waiting": waiting}
    elif role == MemberRole.IQA:
        details |= _hand_over_reviews(actor, cohort, member, take, email, removal)
    cohort.members.remove(member)
    db.session.flush()
    if removal.replaced_by:
        details["replaced_by"] = removal.replaced_by
    audit_cohort("cohort_staff_removed", actor, cohort, **details)
    _tell_new_assessors(cohort, removal)
    return removal


def _hand_over_reviews(actor, cohort, member, take, email, removal: Removal) -> dict:
    """An IQA going: a replacement joins as IQA, or the cohort's other IQAs carry on; never nobody while
    decisions wait for review."""
    if take not in (None, "", Take.REPLACE):
        raise ValidationFailed({"take": "Name a replacement, or leave the choice empty to remove them."})
    if take == Take.REPLACE:
        user = _replacement(member, email)
        add_staff(actor, cohort, user, MemberRole.IQA)  # refuses someone without the IQA role
        removal.replaced_by = user.name
        return {"take": take}
    waiting = reviews_waiting(cohort.id)
    if waiting and not staff_work(cohort, member).others:
        raise ValidationFailed(
            {
                "take": f"{plural(waiting, 'decision')} {'waits' if waiting == 1 else 'wait'} for IQA review "
                f"and {member.user.name} is this cohort's only internal quality assurer: name who takes over."
            }
        )
    return {"reviews_waiting": waiting}


def _reallocate(cohort: Cohort, assessor_id: int, targets: dict[int, int | None]) -> None:
    rows = db.session.scalars(
        select(AssessorAllocation).where(
            AssessorAllocation.cohort_id == cohort.id, AssessorAllocation.assessor_id == assessor_id
        )
    )
    for row in rows:
        if targets.get(row.candidate_id) is None:
            db.session.delete(row)
        else:
            row.assessor_id = targets[row.candidate_id]
    db.session.flush()


def _describe(removal: Removal, candidates: list[User], targets: dict, replacement: User | None) -> None:
    people = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(targets.values()) - {None})))
    }
    for candidate in candidates:
        target = targets[candidate.id]
        if target is None:
            removal.unallocated.append(candidate)
        else:
            removal.moved.setdefault(people[target], []).append(candidate)
    removal.replaced_by = replacement.name if replacement else None


def _tell_new_assessors(cohort: Cohort, removal: Removal) -> None:
    """Each assessor who took candidates over hears how many, and that their work is in their queue."""
    for assessor, candidates in removal.moved.items():
        notify(
            assessor.id,
            kind="candidates_allocated",
            title=f"{plural(len(candidates), 'candidate')} of {cohort.name} now allocated to you",
            body=f"{removal.name} no longer assesses in this cohort. Their waiting work is in your queue: "
            + ", ".join(c.name for c in candidates)
            + ".",
            link_endpoint="assessors.queue.show_queue",
        )

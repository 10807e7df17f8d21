"""The cohort's people page: each candidate's invitation, joining and last activity (a fixed number of
statements however many candidates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from core.accounts.models import Invitation, User
from core.db.timeutil import utcnow
from core.extensions import db
from qualification.cohorts.models import Cohort, CohortMember, MemberRole
from qualification.cohorts.queries import allocations


@dataclass(frozen=True)
class Person:
    """One candidate of the cohort as the course leader sees them."""

    member: CohortMember
    user: User
    invited_at: datetime | None  # the first invitation (None: the account was made with a password)
    joined_at: datetime | None
    invitation: Invitation | None  # the newest invitation to their address
    last_active: datetime | None
    assessor: User | None

    @property
    def _open_link(self) -> Invitation | None:
        """The newest invitation while it is neither used nor withdrawn (and they have not joined)."""
        sent = self.invitation
        if self.user.has_joined or sent is None or sent.revoked_at is not None or sent.used_at is not None:
            return None
        return sent

    @property
    def link_works_until(self) -> datetime | None:
        """When the pending invitation link stops working (None: no link is working now)."""
        sent = self._open_link
        return sent.expires_at if sent is not None and sent.expires_at > utcnow() else None

    @property
    def link_expired_on(self) -> datetime | None:
        """When the newest link expired, unused and not withdrawn."""
        sent = self._open_link
        return sent.expires_at if sent is not None and sent.expires_at <= utcnow() else None

    @property
    def withdrawn(self) -> bool:
        return (
            not self.user.has_joined
            and self.invitation is not None
            and self.invitation.revoked_at is not None
        )


def _invitations(emails: list[str]) -> dict[str, list[Invitation]]:
    """Each address's invitations, oldest first (one query)."""
    found: dict[str, list[Invitation]] = {}
    if emails:
        rows = db.session.scalars(
            select(Invitation).where(Invitation.email.in_(emails)).order_by(Invitation.id)
        )
        for row in rows:
            found.setdefault(row.email, []).append(row)
    return found


def _last_active(user_ids: list[int]) -> dict[int, datetime]:
    # What counts as activity is the assessors' home's rule (it reads every area): the app passes it in.
    found: dict[int, datetime] = {}
    for lookup in current_app.extensions.get("waymark_last_active", []):
        found |= lookup(user_ids)
    return found


def _joined(user: User, sent: list[Invitation]) -> datetime | None:
    """When the person joined: the invitation they accepted, or when their account was made with one."""
    accepted = next((i.used_at for i in sent if i.used_at is not None), None)
    return accepted or (user.created_at if user.has_joined else None)


def joined_times(users: list[User]) -> dict[int, datetime | None]:
    """When each of these people joined, as the people page says it (one statement)."""
    invitations = _invitations([u.email for u in users])
    return {u.id: _joined(u, invitations.get(u.email, [])) for u in users}


def cohort_people(cohort: Cohort) -> list[Person]:
    """The cohort's candidates by name, each with their invitation, joining, last activity and assessor."""
    members = sorted(
        (m for m in cohort.members if m.role == MemberRole.CANDIDATE), key=lambda m: m.user.name.casefold()
    )
    invitations = _invitations([m.user.email for m in members])
    active = _last_active([m.user_id for m in members])
    allocated = allocations(cohort)
    staff = {m.user_id: m.user for m in cohort.members if m.role == MemberRole.ASSESSOR}
    people = []
    for m in members:
        sent = invitations.get(m.user.email, [])
        people.append(
            Person(
                member=m,
                user=m.user,
                invited_at=sent[0].created_at if sent else None,
                joined_at=_joined(m.user, sent),
                invitation=sent[-1] if sent else None,
                last_active=active.get(m.user_id),
                assessor=staff.get(allocated.get(m.user_id)),
            )
        )
    return people


def other_cohorts(cohort: Cohort, user_id: int) -> list[str]:
    """The names of the other cohorts the person belongs to, in any role."""
    return list(
        db.session.scalars(
            select(Cohort.name)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(CohortMember.user_id == user_id, Cohort.id != cohort.id)
            .distinct()
            .order_by(Cohort.name)
        )
    )

"""The API's read side: keyset pages with opaque cursors, and what each answer holds, read through the same
loaders, predicates and queries as the web pages (cohorts_for's rule, cohort_or_404, the transcript)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, current_app
from sqlalchemy import Select, literal, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from core.accounts.models import User
from core.db.timeutil import UTCDateTime
from core.extensions import db
from modules.study.queries import overview
from qualification.certificates.models import Certificate
from qualification.cohorts.models import Cohort, CohortMember, CohortSession, MemberRole
from qualification.cohorts.queries import cohort_or_404, cohort_roles, visible_cohorts
from qualification.people.queries import joined_times
from qualification.permissions import can_edit_qualifications, can_view_transcript
from qualification.results.models import AchievedBy
from qualification.results.queries.transcript import Transcript, build_transcript
from qualification.results.services import live_module_results
from qualification.versions.models import Qualification, QualificationVersion, VersionStatus

# Ids in addresses stay within what every database's integer holds; a larger one is simply not found.
MAX_ID = 2_147_483_647
# A qualification's code as specs write them; anything else names no qualification (and never reaches SQL).
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,19}")


# Keyset pages --------------------------------------------------------------------------------


class BadCursor(ValueError):
    """A cursor this API did not give (or one for another list)."""


@dataclass(frozen=True)
class Page:
    items: list
    after: str | None  # the cursor of the next page; None on the last


def _encode(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decoded(value: Any, kind: type) -> Any:
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_ID:
        return value
    if kind is str and isinstance(value, str) and len(value) <= 200:
        return value
    raise ValueError(f"not a {kind.__name__}")


def _decode(cursor: str, kinds: tuple[type, ...]) -> list:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise BadCursor(cursor)
        return [_decoded(v, k) for v, k in zip(values, kinds, strict=True)]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc


def _kind(key) -> type:
    if isinstance(key.type, UTCDateTime):
        return datetime
    return key.type.python_type


def keyset(query: Select, keys: tuple, after: str | None, limit: int) -> Page:
    """One page of `query`'s rows in the order of `keys` (unique together), after the cursor's row: a row
    added or removed while a client pages never shifts a page or shows twice (OFFSET would)."""
    kinds = tuple(_kind(key) for key in keys)
    if after:
        values = _decode(after, kinds)
        bounds = [literal(value, key.type) for value, key in zip(values, keys, strict=True)]
        query = query.where(tuple_(*keys) > tuple_(*bounds))
    rows = list(db.session.scalars(query.order_by(*keys).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = [getattr(rows[-1], key.key) for key in keys]
    return Page(rows, _encode([v.isoformat() if isinstance(v, datetime) else v for v in last]))


# Qualifications ---------------------------------------------------------------------------------------------


def _shown_versions(user):
    """Drafts are for those who edit qualifications (as on the web); everyone else sees what was published."""
    return None if can_edit_qualifications(user) else QualificationVersion.status != VersionStatus.DRAFT


def qualifications_page(user, after: str | None, limit: int) -> Page:
    """The qualifications the person may see, by code, each with its versions."""
    query = select(Qualification).options(selectinload(Qualification.versions))
    shown = _shown_versions(user)
    if shown is not None:
        query = query.where(Qualification.id.in_(select(QualificationVersion.qualification_id).where(shown)))
    page = keyset(query, (Qualification.code,), after, limit)
    return Page([qualification_of(q, user) for q in page.items], page.after)


def qualification_of(qualification: Qualification, user) -> dict:
    drafts = can_edit_qualifications(user)
    return {
        "code": qualification.code,
        "versions": [v for v in qualification.versions if drafts or v.status != VersionStatus.DRAFT],
    }


def qualification_or_404(code: str, user) -> dict:
    if not _CODE.fullmatch(code):
        abort(404)
    qualification = db.session.scalar(select(Qualification).where(Qualification.code == code))
    found = qualification_of(qualification, user) if qualification is not None else None
    if found is None or not found["versions"]:
        abort(404)
    return found


def version_of(code: str, number: int, user) -> dict:
    """A version with its modules and awards; a draft is unknown to those who may not edit it."""
    if not _CODE.fullmatch(code):
        abort(404)
    version = db.session.scalar(
        select(QualificationVersion)
        .join(Qualification)
        .where(Qualification.code == code, QualificationVersion.number == number)
    )
    if version is None or (version.status == VersionStatus.DRAFT and not can_edit_qualifications(user)):
        abort(404)
    return {
        "qualification": code,
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "provider": version.provider,
        "published_at": version.published_at,
        "modules": [
            {
                "code": link.code,
                "title": link.module.title,
                "level": link.module.level,
                "credits": link.module.credits,
                "cpd": link.module.cpd,
            }
            for link in version.module_links
        ],
        "awards": version.awards,
    }


# Cohorts ----------------------------------------------------------------------------------------------------


def cohort_of(cohort: Cohort) -> dict:
    version = cohort.qualification_version
    return {
        "id": cohort.id,
        "name": cohort.name,
        "qualification": version.qualification.code,
        "version": version.number,
        "award_code": cohort.award_code,
        "module_code": cohort.module_code,
        "start_date": cohort.start_date,
        "end_date": cohort.end_date,
        "course_leader": cohort.course_leader,
    }


def cohorts_page(user, after: str | None, limit: int) -> Page:
    """The cohorts the person sees on their cohorts page, by id."""
    query = visible_cohorts(user).options(
        joinedload(Cohort.qualification_version).joinedload(QualificationVersion.qualification),
        joinedload(Cohort.course_leader),
    )
    page = keyset(query, (Cohort.id,), after, limit)
    return Page([cohort_of(c) for c in page.items], page.after)


def sessions_page(cohort: Cohort, after: str | None, limit: int) -> Page:
    """The cohort's sessions (cancelled ones say so), by start time."""
    query = select(CohortSession).where(CohortSession.cohort_id == cohort.id)
    page = keyset(query, (CohortSession.starts_at, CohortSession.id), after, limit)
    return Page([{**_columns(s), "modules": s.modules} for s in page.items], page.after)


def _columns(row) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def enrolments_page(cohort: Cohort, after: str | None, limit: int) -> Page:
    """The cohort's candidates, in the order they were added, each with when they joined (as the people
    page says it)."""
    query = (
        select(CohortMember)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.role == MemberRole.CANDIDATE)
        .options(joinedload(CohortMember.user))
    )
    page = keyset(query, (CohortMember.id,), after, limit)
    joined = joined_times([m.user for m in page.items])
    return Page([enrolment_of(m, joined[m.user_id]) for m in page.items], page.after)


def enrolment_of(member: CohortMember, joined_at: datetime | None) -> dict:
    return {
        "candidate": member.user,
        "status": member.status,
        "school": member.school,
        "enrolled_at": member.added_at,
        "joined": member.user.has_joined,
        "joined_at": joined_at,
    }


def certificates_page(cohort: Cohort, after: str | None, limit: int) -> Page:
    """The awards the cohort's exam boards ratified, valid and revoked, in the order they were issued."""
    query = (
        select(Certificate)
        .where(Certificate.cohort_id == cohort.id)
        .options(joinedload(Certificate.candidate))
    )
    page = keyset(query, (Certificate.id,), after, limit)
    return Page([certificate_of(c) for c in page.items], page.after)


def certificate_of(certificate: Certificate) -> dict:
    return {**_columns(certificate), "candidate": certificate.candidate}


# One candidate ----------------------------------------------------------------------------------------------


def candidate_or_404(cohort_id: int, candidate_id: int, user) -> tuple[Cohort, User]:
    """A candidate of a cohort whose transcript this person may read (404 otherwise, as on the web: nobody
    learns what another has achieved, or that they exist)."""
    cohort = cohort_or_404(cohort_id)
    roles = cohort_roles(cohort.id, candidate_id)
    if candidate_id not in roles.ids_with(MemberRole.CANDIDATE) or not can_view_transcript(user, roles):
        abort(404)
    return cohort, db.session.get(User, candidate_id)


def progress_of(cohort: Cohort, candidate: User) -> dict:
    """Per module the candidate studies in the cohort: activities done, handed in, achieved (released)."""
    family = cohort.qualification_version.qualification.code
    rows = [
        r
        for r in overview(candidate.id).rows
        if r.enrolment.family == family and r.enrolment.cohort_id == cohort.id
    ]
    achieved = {r.module_code: r.achieved_on for r in live_module_results(candidate.id) if r.family == family}
    modules = []
    for row in rows:
        code = row.enrolment.module_code
        # Submissions are the portfolio's rows: the composition root passes in who has handed a module in.
        handed_in = any(
            candidate.id in handed(cohort.id, code)
            for handed in current_app.extensions.get("waymark_module_handed_in", [])
        )
        modules.append(
            {
                "code": code,
                "title": row.enrolment.module.title,
                "activities_done": row.done,
                "activities_total": row.total,
                "submitted": handed_in and code not in achieved,
                "achieved": code in achieved,
                "achieved_on": achieved.get(code),
            }
        )
    return {"candidate": candidate, "cohort_id": cohort.id, "modules": modules}


_HOW = {how.label: how.value for how in AchievedBy}


def results_of(cohort: Cohort, candidate: User) -> dict:
    """The candidate's transcript in the cohort, as data: released results only (build_transcript reads the
    live results, which only a release writes)."""
    transcript: Transcript = build_transcript(candidate.id, cohort)
    award = transcript.award
    return {
        "candidate": candidate,
        "cohort_id": cohort.id,
        "credits": transcript.credits,
        "modules": [
            {
                "code": line.code,
                "title": line.title,
                "level": line.level,
                "credits": line.credits,
                "how": _HOW[line.how],
                "achieved_on": line.achieved_on,
                "criteria": [{"ref": ref, "met_by": met_by} for ref, met_by in line.criteria],
            }
            for line in transcript.lines
        ],
        "award": None
        if award is None
        else {
            "code": award.award.code,
            "title": award.award.title,
            "met": award.verdict.ok,
            "met_on": award.met_on,
        },
        "certificates": [certificate_of(c) for c in transcript.certificates],
    }

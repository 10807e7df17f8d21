"""The demo qualification, loaded through the same import code a course leader uses."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from core.accounts.models import User
from core.db.timeutil import UK
from core.extensions import db
from qualification.calendar.services import add_session
from qualification.cohorts.models import Cohort, CohortMember, MemberRole, SessionKind
from qualification.cohorts.services import add_staff, allocate, create_cohort
from qualification.pathway.services import choose_options, sync_enrolments
from qualification.spec import parse_spec
from qualification.spec.documents import load_document
from qualification.versions.queries import find_version
from qualification.versions.services import import_spec

DEMO_SPEC = Path(__file__).resolve().parent / "data" / "demo-spec.json"


def load_demo_qualification() -> str | None:
    """Import and publish the demo spec unless its qualification exists; say what was loaded."""
    spec = parse_spec(load_document(DEMO_SPEC.read_bytes()))
    if find_version(spec.code) is not None:
        return None
    version = import_spec(None, spec, publish=True)
    return f"{spec.code} version {version.number}, {len(spec.modules)} modules, {len(spec.awards)} awards"


# The demo cohort: the Certificate intake of the coming school year, with a published calendar.
DEMO_COHORT = "Certificate 2026-27, Northmoor"
DEMO_SESSIONS = (
    # kind, title, UK date and times, place, modules
    (
        "day_release",
        "Launch day: the coordinator's role",
        "2026-09-18",
        "09:30",
        "15:30",
        "Northmoor Campus, Room B12",
        "M01 M02",
    ),
    ("online_live", "Needs conversations with pupils", "2026-10-07", "16:30", "18:00", "Online", "M01"),
    (
        "twilight",
        "Planning the careers calendar",
        "2026-11-04",
        "16:30",
        "18:00",
        "Hollins Park Academy, library",
        "M02",
    ),
    (
        "half_day",
        "Labour market information workshop",
        "2026-12-02",
        "13:00",
        "16:30",
        "Northmoor Campus, Room B12",
        "M03",
    ),
    (
        "day_release",
        "Evidence and assessment day",
        "2027-02-05",
        "09:30",
        "15:30",
        "Northmoor Campus, Room B12",
        "M01 M02 M03",
    ),
)


def load_demo_cohort() -> str | None:
    """Create the demo cohort with its people, allocation and calendar, unless it exists."""
    if db.session.scalar(select(Cohort.id).where(Cohort.name == DEMO_COHORT)) is not None:
        return None
    people = {u.email: u for u in db.session.scalars(select(User))}
    leader = people.get("leader@northmoor.example")
    version = find_version("CCQ")
    if leader is None or version is None:
        return None
    cohort = create_cohort(
        leader,
        name=DEMO_COHORT,
        version=version,
        award_code="CERT",
        module_code=None,
        start_date=date(2026, 9, 18),
        choice_deadline=date(2026, 12, 18),
    )
    for email in ("candidate@school.example", "candidate2@school.example", "candidate3@school.example"):
        user = people[email]
        member = CohortMember(
            cohort_id=cohort.id, user_id=user.id, role=MemberRole.CANDIDATE, school=user.organisation
        )
        db.session.add(member)
        db.session.flush()
        sync_enrolments(member)
        if email == "candidate@school.example":
            # Jo has chosen her option already, so the demo shows a complete pathway; the others have not.
            choose_options(user, member, ["M04"], today=cohort.start_date)
    for email in ("assessor@northmoor.example", "assessor2@northmoor.example"):
        add_staff(leader, cohort, people[email], MemberRole.ASSESSOR)
    # Internal quality assurance: the IQA, and Helen Marsh (an assessor who also samples others' decisions).
    for email in ("iqa@northmoor.example", "assessor2@northmoor.example"):
        add_staff(leader, cohort, people[email], MemberRole.IQA)
    db.session.flush()
    # The demo's allocation, by hand (the people the tests and the guide name): Jo and Morgan with Tom,
    # Chris with Helen. Candidates invited later are allocated by the cohort's rule, even spread.
    for candidate, assessor in (
        ("candidate@school.example", "assessor@northmoor.example"),
        ("candidate2@school.example", "assessor2@northmoor.example"),
        ("candidate3@school.example", "assessor@northmoor.example"),
    ):
        allocate(leader, cohort, candidate_id=people[candidate].id, assessor_id=people[assessor].id)
    for kind, title, day, start, end, place, modules in DEMO_SESSIONS:
        add_session(
            leader,
            cohort,
            kind=SessionKind(kind),
            title=title,
            starts_at=datetime.fromisoformat(f"{day}T{start}").replace(tzinfo=UK),
            ends_at=datetime.fromisoformat(f"{day}T{end}").replace(tzinfo=UK),
            place=None if place == "Online" else place,
            link="https://meet.northmoor.example/ccq" if place == "Online" else None,
            capacity=30,
            module_codes=modules.split(),
        )
    return f"{DEMO_COHORT}: 3 candidates, 2 assessors, {len(DEMO_SESSIONS)} sessions"

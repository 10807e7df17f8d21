"""The demo: a fictional HEI's people, loaded once (running it again changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.models import Role
from core.accounts.services.accounts import create_user, find_user_by_email
from core.audit.services import record
from core.extensions import db

# One password for every demo login, long enough for the policy and not on the common list.
DEMO_PASSWORD = "waymark-demo-2026"  # noqa: S105 - published in the README on purpose
DEMO_INSTITUTION = "Northmoor University"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    roles: tuple[Role, ...]
    organisation: str


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("admin@northmoor.example", "Alex Admin", (Role.ADMIN,), DEMO_INSTITUTION),
    DemoPerson("leader@northmoor.example", "Dr Priya Raman", (Role.COURSE_LEADER,), DEMO_INSTITUTION),
    DemoPerson("assessor@northmoor.example", "Tom Okafor", (Role.ASSESSOR,), DEMO_INSTITUTION),
    # An assessor in one cohort may be the IQA of another, never of their own decisions.
    DemoPerson("assessor2@northmoor.example", "Helen Marsh", (Role.ASSESSOR, Role.IQA), DEMO_INSTITUTION),
    DemoPerson("iqa@northmoor.example", "Sam Whitfield", (Role.IQA,), DEMO_INSTITUTION),
    DemoPerson("examiner@eastbrook.example", "Prof. Ruth Adeyemi", (Role.EXAMINER,), "Eastbrook University"),
    DemoPerson("candidate@school.example", "Jo Patel", (Role.CANDIDATE,), "Hollins Park Academy"),
    DemoPerson(
        "candidate2@school.example", "Chris Evans", (Role.CANDIDATE,), "St Aidan's Church of England School"
    ),
    DemoPerson("candidate3@school.example", "Morgan Lee", (Role.CANDIDATE,), "Riverside Community College"),
    DemoPerson("candidate4@school.example", "Aisha Khan", (Role.CANDIDATE,), "Hollins Park Academy"),
)


def load_demo() -> list[DemoPerson]:
    """Create the demo people that do not exist yet; return those created."""
    created = []
    for person in DEMO_PEOPLE:
        if find_user_by_email(person.email) is not None:
            continue
        create_user(
            None,
            email=person.email,
            name=person.name,
            password=DEMO_PASSWORD,
            roles=person.roles,
            organisation=person.organisation,
        )
        created.append(person)
    if created:
        record("demo_loaded", details={"people": [p.email for p in created]})
    db.session.flush()
    return created

"""Who the tests act as: the demo's people (as `flask demo load` creates them, one password for all) and the
factory for accounts a test creates itself (`make_user`, with the cheap test password)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.accounts.demo import DEMO_PASSWORD
from core.accounts.models import Role, User
from core.extensions import db

__all__ = [
    "AISHA",
    "CHRIS",
    "DEMO_PASSWORD",
    "EXAMINER",
    "HELEN",
    "JO",
    "LEADER",
    "MORGAN",
    "PASSWORD",
    "SAM",
    "TOM",
    "Person",
    "Viewer",
    "make_user",
    "person",
    "user_id",
]

# The demo's people. Allocations and options are those of the demo cohort (qualification.demo).
JO = "candidate@school.example"  # Jo Patel: candidate, M04 chosen, allocated to Tom
CHRIS = "candidate2@school.example"  # Chris Evans: candidate, no option chosen, allocated to Helen
MORGAN = "candidate3@school.example"  # Morgan Lee: candidate, allocated to Tom like Jo
AISHA = "candidate4@school.example"  # Aisha Khan: a demo candidate in no cohort
TOM = "assessor@northmoor.example"  # Tom Okafor: assessor of the demo cohort, not an IQA
HELEN = "assessor2@northmoor.example"  # Helen Marsh: assessor (allocated to Chris) and IQA of the demo cohort
SAM = "iqa@northmoor.example"  # Sam Whitfield: the demo cohort's IQA
LEADER = "leader@northmoor.example"  # Dr Priya Raman: course leader
EXAMINER = "examiner@eastbrook.example"  # Prof. Ruth Adeyemi: external examiner

# Accounts a test creates with make_user (hashed cheaply: see TEST_CONFIG in tests/conftest.py).
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    password: str


class Viewer:
    """Who a permission predicate is asked about, without a database: an id, roles and has_role()."""

    def __init__(self, uid: int, *roles: Role):
        self.id, self.roles, self.is_authenticated = uid, set(roles), True

    def has_role(self, *names) -> bool:
        return bool(self.roles & set(names))


def make_user(
    app,
    email: str = "jo@school.example",
    *,
    name: str = "Jo Patel",
    roles=(Role.CANDIDATE,),
    password: str = PASSWORD,
) -> Person:
    """An account created through the real service and committed; returns plain values, not a live row."""
    from core.accounts.services.accounts import create_user

    with app.app_context():
        user = create_user(None, email=email, name=name, password=password, roles=roles)
        db.session.commit()
        return Person(user.id, user.email, user.name, password)


def person(email: str) -> User:
    """The live row of a person, inside an app context."""
    return db.session.scalar(select(User).where(User.email == email))


def user_id(app, email: str) -> int:
    """A person's id."""
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def add_assessor(app, email: str, name: str, cohort_id: int) -> None:
    """A new assessor's account, added to the cohort's staff by the course leader; committed."""
    from qualification.cohorts.models import Cohort, MemberRole
    from qualification.cohorts.services import add_staff

    make_user(app, email, name=name, roles=(Role.ASSESSOR,), password=DEMO_PASSWORD)
    with app.app_context():
        add_staff(person(LEADER), db.session.get(Cohort, cohort_id), person(email), MemberRole.ASSESSOR)
        db.session.commit()

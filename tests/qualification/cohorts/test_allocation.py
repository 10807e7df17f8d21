"""Course leaders staff a cohort, allocate its candidates to assessors and plan its sessions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.accounts.models import Role, User
from core.extensions import db
from qualification.cohorts.models import AssessorAllocation, CohortMember, CohortSession
from tests.support import cohorts
from tests.support.people import make_user

# Staff ---------------------------------------------------------------------------------------------


@pytest.fixture
def staff(app):
    make_user(app, "asa@uni.example", name="Asa Assessor", roles=(Role.ASSESSOR,))
    make_user(app, "bo@uni.example", name="Bo Assessor", roles=(Role.ASSESSOR,))
    make_user(app, "tom@uni.example", name="Tom Tutor", roles=(Role.CANDIDATE,))


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("asa@uni.example", "assessor", "Asa Assessor is an assessor of this cohort."),
        ("tom@uni.example", "tutor", "Tom Tutor is a tutor of this cohort."),
    ],
)
def test_course_leader_can_add_staff(app, client, leader, staff, email, role, message):
    cohort_id = cohorts.create_cohort(client)
    response = cohorts.add_staff(client, cohort_id, email.upper(), role)
    shown = cohorts.text_of(response)
    assert message in shown
    assert response.request.path == f"/cohorts/{cohort_id}"
    name = {"asa@uni.example": "Asa Assessor", "tom@uni.example": "Tom Tutor"}[email]
    assert f"<li>{name}, {role} " in shown  # then the "Remove or replace" link
    assert cohorts.members(app, cohort_id, role) == {email: None}


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        (
            "tom@uni.example",
            "assessor",
            "Tom Tutor does not hold the assessor role. Invite them as an assessor.",
        ),
        ("nobody@uni.example", "assessor", "No account has that email address. Invite them first."),
        ("asa@uni.example", "candidate", "Not a valid choice."),
        ("", "assessor", "Enter their email address."),
    ],
)
def test_course_leader_cannot_add_unsuitable_staff(app, client, leader, staff, email, role, message):
    cohort_id = cohorts.create_cohort(client)
    response = cohorts.add_staff(client, cohort_id, email, role)
    assert response.status_code == 422
    assert message in cohorts.text_of(response)
    assert "None yet." in cohorts.text_of(response)
    assert cohorts.count(app, CohortMember) == 0


def test_course_leader_can_add_the_same_assessor_twice_and_keep_one_row(app, client, leader, staff):
    cohort_id = cohorts.create_cohort(client)
    cohorts.add_staff(client, cohort_id, "asa@uni.example")
    assert "Asa Assessor already was." in cohorts.text_of(
        cohorts.add_staff(client, cohort_id, "asa@uni.example")
    )
    assert cohorts.count(app, CohortMember) == 1


# Allocation ----------------------------------------------------------------------------------------


def _cohort_with(client, candidates: int, assessors=("asa@uni.example", "bo@uni.example")) -> int:
    """A cohort with candidates c1..cN (one CSV upload) and the given assessors, in that order."""
    cohort_id = cohorts.create_cohort(client)
    if candidates:
        rows = "".join(f"Cand {i},c{i}@school.example,Hill School\n" for i in range(1, candidates + 1))
        assert "invited; " in cohorts.text_of(cohorts.upload_csv(client, cohort_id, rows.encode()))
    for email in assessors:
        cohorts.add_staff(client, cohort_id, email)
    return cohort_id


def _allocations(app, cohort_id: int) -> dict[str, str]:
    """candidate email -> assessor email."""
    with app.app_context():
        rows = db.session.scalars(select(AssessorAllocation).where(AssessorAllocation.cohort_id == cohort_id))
        return {row.candidate.email: row.assessor.email for row in rows}


def _allocate(client, cohort_id: int, candidate: str, assessor: str, **kw):
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    people = cohorts.options(page, "candidate") | cohorts.options(page, "assessor")
    data = {"candidate": people[candidate], "assessor": people[assessor]}
    return cohorts.post_on_cohort(client, cohort_id, "allocations", data, **kw)


def test_course_leader_can_allocate_a_candidate_by_hand(app, client, leader, staff):
    cohort_id = _cohort_with(client, 2)
    response = _allocate(client, cohort_id, "Cand 2", "Bo Assessor")
    shown = cohorts.text_of(response)
    assert "Allocation saved." in shown
    assert "Cand 2</td><td>Hill School</td>" in shown
    row = shown[shown.index("Cand 2</td>") :].split("</tr>")[0]
    assert "<td>Bo Assessor</td>" in row
    row = shown[shown.index("Cand 1</td>") :].split("</tr>")[0]
    assert "<td>Not allocated</td>" in row
    assert _allocations(app, cohort_id) == {"c2@school.example": "bo@uni.example"}

    shown = cohorts.text_of(_allocate(client, cohort_id, "Cand 2", "Asa Assessor"))
    assert "<td>Asa Assessor</td>" in shown[shown.index("Cand 2</td>") :].split("</tr>")[0]
    assert _allocations(app, cohort_id) == {"c2@school.example": "asa@uni.example"}


def test_course_leader_can_allocate_evenly(app, client, leader, staff):
    cohort_id = _cohort_with(client, 5)
    response = cohorts.post_on_cohort(client, cohort_id, "allocations/even", {})
    shown = cohorts.text_of(response)
    assert "5 candidates allocated, spreading them evenly." in shown
    assert "Not allocated" not in shown
    made = _allocations(app, cohort_id)
    assert len(made) == 5
    assert sorted(list(made.values()).count(a) for a in ("asa@uni.example", "bo@uni.example")) == [2, 3]
    assert shown.count("<td>Asa Assessor</td>") + shown.count("<td>Bo Assessor</td>") == 5


def test_course_leader_allocating_evenly_leaves_allocated_candidates_alone(app, client, leader, staff):
    cohort_id = _cohort_with(client, 3)
    _allocate(client, cohort_id, "Cand 1", "Bo Assessor")
    _allocate(client, cohort_id, "Cand 2", "Bo Assessor")
    shown = cohorts.text_of(cohorts.post_on_cohort(client, cohort_id, "allocations/even", {}))
    assert "1 candidate allocated, spreading them evenly." in shown
    assert _allocations(app, cohort_id) == {
        "c1@school.example": "bo@uni.example",
        "c2@school.example": "bo@uni.example",
        "c3@school.example": "asa@uni.example",
    }
    assert "Everyone already has an assessor." in cohorts.text_of(
        cohorts.post_on_cohort(client, cohort_id, "allocations/even", {})
    )
    assert len(_allocations(app, cohort_id)) == 3


def test_course_leader_cannot_allocate_evenly_without_assessors(app, client, leader):
    cohort_id = _cohort_with(client, 2, assessors=())
    shown = cohorts.text_of(cohorts.post_on_cohort(client, cohort_id, "allocations/even", {}))
    assert "flash--error" in shown
    assert "Add at least one assessor to the cohort first." in shown
    assert _allocations(app, cohort_id) == {}


@pytest.mark.parametrize(
    ("candidate", "assessor"),
    [
        ("outsider@school.example", "asa@uni.example"),  # a candidate of another cohort
        ("c1@school.example", "bo@uni.example"),  # an assessor who is not in this cohort
        ("c1@school.example", "c1@school.example"),  # a candidate as their own assessor
        ("asa@uni.example", "asa@uni.example"),  # an assessor as a candidate
    ],
)
def test_course_leader_cannot_allocate_people_outside_the_cohort(
    app,
    client,
    leader,
    staff,
    candidate,
    assessor,
):
    other = _cohort_with(client, 0, assessors=("bo@uni.example",))
    cohorts.invite(client, other, "Out Sider", "outsider@school.example")
    cohort_id = _cohort_with(client, 1, assessors=("asa@uni.example",))
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
    # The outsider joined the other cohort after Bo: even spread allocated them there, and only there.
    assert _allocations(app, other) == {"outsider@school.example": "bo@uni.example"}
    data = {"candidate": str(ids[candidate]), "assessor": str(ids[assessor])}
    response = cohorts.post_on_cohort(client, cohort_id, "allocations", data, follow=False)
    assert response.status_code == 422
    assert "Not a valid choice." in cohorts.text_of(response)
    assert _allocations(app, cohort_id) == {}
    assert cohorts.count(app, AssessorAllocation) == 1


# Calendar sessions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "utc_start", "utc_end", "shown"),
    [
        ("2026-10-07", (15, 30), (17, 0), "7 Oct 2026, 16:30</time> to 18:00"),  # BST
        ("2026-12-02", (16, 30), (18, 0), "2 Dec 2026, 16:30</time> to 18:00"),  # GMT
    ],
)
def test_course_leader_can_add_a_session_in_uk_time(app, client, leader, day, utc_start, utc_end, shown):
    cohort_id = cohorts.create_cohort(client)
    data = {**cohorts.TWILIGHT, "starts_at": f"{day}T16:30", "ends_at": f"{day}T18:00"}
    response = cohorts.add_session(client, cohort_id, data, follow_redirects=True)
    page = cohorts.text_of(response)
    assert "Session added to the calendar." in page
    assert response.request.path == f"/cohorts/{cohort_id}"
    assert "<strong>Planning the careers calendar</strong> (Twilight session): <time datetime=" in page
    assert f"{shown}, Hollins Park Academy, library · M01, M02 · 30 places" in page
    with app.app_context():
        session = db.session.scalar(select(CohortSession))
        y, m, d = map(int, day.split("-"))
        assert session.starts_at == datetime(y, m, d, *utc_start, tzinfo=UTC)
        assert session.ends_at == datetime(y, m, d, *utc_end, tzinfo=UTC)
        assert (session.module_codes, session.capacity, session.link) == ("M01 M02", 30, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2026-10-07T16:00"}, "The session must end after it starts."),
        ({"ends_at": "2026-10-07T16:30"}, "The session must end after it starts."),
        ({"module_codes": "M01 M99"}, "Unknown module: M99"),
        ({"place": ""}, "Say where the session takes place."),
        ({"kind": "online_live", "place": ""}, "An online session needs its joining link."),
        (
            {"kind": "online_live", "link": "javascript:alert(document.cookie)"},
            "The joining link must start with https:// or http://.",
        ),
        ({"capacity": "0"}, "Number must be between 1 and 10000."),
        ({"title": ""}, "Give the session a title."),
        ({"starts_at": "7/10/2026 16:30"}, "Enter when it starts."),
    ],
)
def test_course_leader_cannot_add_a_bad_session(app, client, leader, changes, message):
    cohort_id = cohorts.create_cohort(client)
    response = cohorts.add_session(client, cohort_id, {**cohorts.TWILIGHT, **changes})
    assert response.status_code == 422
    assert message in cohorts.text_of(response)
    assert cohorts.count(app, CohortSession) == 0

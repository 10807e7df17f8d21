"""Course leaders set up cohorts through the cohort pages: create one, invite its candidates (one at a time
or from a CSV); who may see and change a cohort; the audit trail of the changes.

Staff, allocation and sessions are in tests/qualification/cohorts/test_allocation.py, which shares the
helpers below."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.audit.models import AuditEvent
from core.extensions import db
from core.mail.models import OutboxMessage
from qualification.cohorts.models import Cohort, CohortMember, CohortSession
from qualification.demo import DEMO_SPEC
from qualification.versions.models import QualificationVersion, VersionStatus
from tests.support.cohorts import (
    TWILIGHT,
    add_session,
    add_staff,
    count,
    create_cohort,
    invite,
    members,
    options,
    post_on_cohort,
    publish_demo,
    text_of,
    upload_csv,
)
from tests.support.html import csrf_from, login
from tests.support.people import make_user

# Creating a cohort ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offer_code", "deadline", "studies"),
    [
        ("award:CERT", "2026-10-31", "CERT (Careers Coordinator Qualification, version 1)"),
        ("module:M05", "", "M05 as CPD"),
    ],
)
def test_course_leader_can_create_a_cohort(app, client, leader, offer_code, deadline, studies):
    page = client.get("/cohorts/new").get_data(as_text=True)
    offer = next(v for v in options(page, "offer").values() if v.endswith(":" + offer_code))
    data = {"name": "Northmoor 2026", "offer": offer, "start_date": "2026-09-18", "choice_deadline": deadline}
    response = client.post(
        "/cohorts/new", data={**data, "csrf_token": csrf_from(page)}, follow_redirects=True
    )
    shown = text_of(response)
    assert "Cohort Northmoor 2026 created." in shown
    assert "<h1>Northmoor 2026</h1>" in shown
    assert studies in shown
    assert "18 September 2026" in shown
    assert ("Options can be changed until</dt><dd>31 October 2026" in shown) == bool(deadline)
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        assert str(cohort.choice_deadline or "") == deadline
        version_id, kind, code = offer.split(":")
        assert (cohort.version_id, cohort.course_leader_id) == (int(version_id), leader.id)
        assert (cohort.award_code, cohort.module_code) == ((code, None) if kind == "award" else (None, code))
        assert response.request.path == f"/cohorts/{cohort.id}"


def test_course_leader_can_only_choose_published_awards_and_cpd_modules(client, leader):
    offered = options(client.get("/cohorts/new").get_data(as_text=True), "offer")
    codes = {value.split(":", 1)[1] for value in offered.values()}
    assert {"award:CERT", "award:PGCERT", "award:MA", "module:M01", "module:M12"} <= codes
    assert not {"module:M13", "module:M14"} & codes  # not CPD in the demo spec


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"start_date": ""}, "Enter the start date."),
        ({"choice_deadline": "2026-09-17"}, "cannot be before the cohort starts."),
        ({"offer": "{published}:module:M13"}, "Not a valid choice."),
        ({"offer": "{published}:module:M14"}, "Not a valid choice."),
        ({"offer": "{published}:award:NOPE"}, "Not a valid choice."),
        ({"offer": "{draft}:award:CERT"}, "Not a valid choice."),
    ],
)
def test_course_leader_cannot_create_a_cohort_from_bad_input(
    app, client, runner, leader, tmp_path, changes, message
):
    spec = json.loads(DEMO_SPEC.read_text())
    spec["modules"][0]["title"] = "Communicating with Others in CEIAG"
    (tmp_path / "v2.json").write_text(json.dumps(spec))
    assert runner.invoke(args=["qualification", "import", str(tmp_path / "v2.json")]).exit_code == 0
    with app.app_context():
        ids = {v.status: v.id for v in db.session.scalars(select(QualificationVersion))}
    page = client.get("/cohorts/new").get_data(as_text=True)
    data = {"name": "Northmoor 2026", "offer": f"{ids[VersionStatus.PUBLISHED]}:award:CERT"}
    data |= {"start_date": "2026-09-18", "choice_deadline": "2026-10-31"}
    data |= {
        k: v.format(published=ids[VersionStatus.PUBLISHED], draft=ids[VersionStatus.DRAFT])
        for k, v in changes.items()
    }
    response = client.post("/cohorts/new", data={**data, "csrf_token": csrf_from(page)})
    assert response.status_code != 302
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)
    assert count(app, Cohort) == 0


def test_admin_can_create_a_cohort_and_is_audited_as_admin(app, client, runner, admin):
    publish_demo(runner)
    login(client, admin.email)
    cohort_id = create_cohort(client)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort_created"))
        assert (event.object_id, event.actor_label) == (str(cohort_id), admin.email)
        assert event.actor_role == Role.ADMIN


# Inviting candidates one at a time -----------------------------------------------------------------


def test_course_leader_can_invite_a_new_candidate(app, client, leader):
    cohort_id = create_cohort(client)
    shown = text_of(invite(client, cohort_id, "Nia Okafor", "Nia@Hollins.example", "Hollins Park Academy"))
    assert "Nia Okafor is in the cohort." in shown
    assert "Candidates (1)" in shown
    assert re.search(r"Nia Okafor</td><td>Hollins Park Academy</td>\s*<td>.*Invited", shown)
    assert members(app, cohort_id) == {"nia@hollins.example": "Hollins Park Academy"}
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nia@hollins.example"))
        assert not user.has_joined
        assert user.has_role(Role.CANDIDATE)
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == user.email)).all()
        assert [m.category for m in mail] == ["invitation"]
        assert "http://waymark.test/invitations/" in mail[0].body_text


def test_course_leader_can_invite_the_same_person_twice_without_a_duplicate(app, client, leader):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", "nia@hollins.example", "Hollins Park Academy")
    shown = text_of(invite(client, cohort_id, "Nia Okafor", "NIA@hollins.example", "Hollins Park Academy"))
    assert "Nia Okafor was already in the cohort." in shown
    assert "Candidates (1)" in shown
    assert list(members(app, cohort_id)) == ["nia@hollins.example"]
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.email == "nia@hollins.example")) == 1


def test_course_leader_can_add_a_joined_candidate_from_another_cohort(app, client, leader, candidate):
    first = create_cohort(client, name="Certificate 2026")
    invite(client, first, candidate.name, candidate.email, "Vale School")
    second = create_cohort(client, name="CPD M05 2026", offer_code="module:M05")
    shown = text_of(invite(client, second, candidate.name, candidate.email, "Vale School"))
    assert f"{candidate.name} is in the cohort." in shown
    assert re.search(rf"{candidate.name}</td><td>Vale School</td>\s*<td>.*Joined", shown)
    assert list(members(app, first)) == list(members(app, second)) == [candidate.email]
    with app.app_context():
        # They have joined already: no invitation link, no "new role" email.
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize(
    ("name", "email", "message"),
    [
        ("", "nia@hollins.example", "Enter the candidate's name."),
        ("Nia Okafor", "", "Enter their email address."),
        ("Nia Okafor", "nia.hollins.example", "Enter a valid email address."),
        ("Nia Okafor", "nia@", "Enter a valid email address."),
    ],
)
def test_course_leader_cannot_invite_a_candidate_with_bad_details(app, client, leader, name, email, message):
    cohort_id = create_cohort(client)
    response = invite(client, cohort_id, name, email, follow=False)
    assert response.status_code == 422
    assert message in text_of(response)
    assert members(app, cohort_id) == {}
    assert count(app, OutboxMessage) == 0


# Inviting candidates from a CSV --------------------------------------------------------------------

MIXED_CSV = b"""name,email,school
Ana Ames,ana@school.example,Hill School
Ben Bold,ben@school.example
Cat Cole
Dan Dee,not-an-email,Vale School
Eve Eck,ANA@school.example,Hill School
Fay Fox,fay@school.example,Oak School,extra,more
Gus Gray,gus@school.example,"Oak School, Upper Site"
"""
FIXED_CSV = b"""Cat Cole,cat@school.example,Vale School
Dan Dee,dan@school.example,Vale School
Eve Eck,eve@school.example,Hill School
Fay Fox,fay@school.example,Oak School
"""


def test_course_leader_can_upload_a_csv_and_fix_the_bad_lines(app, client, leader):
    cohort_id = create_cohort(client)
    response = upload_csv(client, cohort_id, MIXED_CSV)
    shown = text_of(response)
    assert response.status_code == 422
    assert "Some lines could not be used" in shown
    assert "3 candidates were invited and 0 were already in the cohort" in shown
    problems = re.findall(r"<li>(line \d+: [^<]*)</li>", shown)
    assert problems == [
        "line 4: expected name, email and school, found 1 column",
        "line 5: Enter a valid email address.",
        "line 6: ANA@school.example appears twice in the file",
        "line 7: expected name, email and school, found 5 columns",
    ]
    assert members(app, cohort_id) == {
        "ana@school.example": "Hill School",
        "ben@school.example": None,
        "gus@school.example": "Oak School, Upper Site",
    }
    assert "Candidates (3)" in shown

    shown = text_of(upload_csv(client, cohort_id, FIXED_CSV))
    assert "4 candidates invited; 0 already in the cohort." in shown
    assert "Candidates (7)" in shown
    assert len(members(app, cohort_id)) == 7
    with app.app_context():
        invited = db.session.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.category == "invitation")
        )
        assert len(set(invited)) == 7


@pytest.mark.parametrize("email", ["not-an-email", "hal@", "@school.example", "hal@school.example hal"])
def test_course_leader_cannot_invite_a_malformed_address_from_a_csv(app, client, leader, email):
    cohort_id = create_cohort(client)
    shown = text_of(upload_csv(client, cohort_id, f"Hal Hunt,{email},Oak School\n".encode()))
    assert "line 1: Enter a valid email address." in shown
    assert members(app, cohort_id) == {}
    assert count(app, OutboxMessage) == 0


def test_course_leader_cannot_upload_a_csv_that_is_not_utf8(app, client, leader):
    cohort_id = create_cohort(client)
    response = upload_csv(client, cohort_id, "José Ruiz,jose@school.example,Vale School\n".encode("latin-1"))
    assert response.status_code == 422
    assert "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'." in text_of(response)
    assert members(app, cohort_id) == {}
    assert count(app, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (None, "", "Choose a CSV file."),
        (b"", "", "Choose a CSV file."),
        (b"", "empty.csv", "The file has no candidates in it"),
        (b"name,email,school\n\n", "header-only.csv", "The file has no candidates in it"),
    ],
)
def test_course_leader_cannot_upload_no_csv(app, client, leader, content, filename, message):
    cohort_id = create_cohort(client)
    response = upload_csv(client, cohort_id, content, filename)
    assert response.status_code == 422
    assert message in text_of(response)
    assert "invited; " not in text_of(response)
    assert members(app, cohort_id) == {}


# Calendar sessions ---------------------------------------------------------------------------------


# Who may see and change a cohort ---------------------------------------------------------------------


def _other_client(app, email):
    other = app.test_client()
    login(other, email)
    return other


def test_candidate_of_the_cohort_can_see_it_without_management_forms(app, client, leader, candidate):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, candidate.name, candidate.email, "Vale School")
    add_session(client, cohort_id, TWILIGHT)
    other = _other_client(app, candidate.email)
    response = other.get(f"/cohorts/{cohort_id}")
    shown = text_of(response)
    assert response.status_code == 200
    assert "Certificate 2027, Northmoor" in shown
    assert "Planning the careers calendar" in shown
    for management in (
        "Invite a candidate",
        "Invite from a spreadsheet",
        "Add to cohort",
        "Assessor allocation",
        "Add a session",
        "Publish the calendar",
        "-csrf_token",
    ):
        assert management not in shown
    assert "Certificate 2027, Northmoor" in text_of(other.get("/cohorts/"))


MANAGEMENT_POSTS = [
    ("candidates", {"one-name": "Eve Eck", "one-email": "eve@school.example"}),
    ("candidates/csv", {"csv-csv_file": (io.BytesIO(b"Eve Eck,eve@school.example,Hill\n"), "c.csv")}),
    ("staff", {"staff-email": "candidate@school.example", "staff-role": "tutor"}),
    ("allocations", {"candidate": "1", "assessor": "1"}),
    ("allocations/even", {}),
    ("allocations/rule", {"rule": "manual"}),
    ("sessions/new", TWILIGHT),
    ("calendar/publish", {}),
    ("calendar/unpublish", {}),
]


@pytest.mark.parametrize(("action", "data"), MANAGEMENT_POSTS, ids=[a for a, _ in MANAGEMENT_POSTS])
def test_candidate_of_the_cohort_cannot_manage_it(app, client, leader, candidate, action, data):
    cohort_id = create_cohort(client)
    invite(client, cohort_id, candidate.name, candidate.email)
    other = _other_client(app, candidate.email)
    before = count(app, AuditEvent), count(app, CohortMember), count(app, CohortSession)
    csrf = csrf_from(other.get(f"/cohorts/{cohort_id}").get_data(as_text=True))
    data = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    for field in ("csrf_token", "one-csrf_token", "csv-csrf_token", "staff-csrf_token"):
        data[field] = csrf
    response = other.post(f"/cohorts/{cohort_id}/{action}", data=data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert (count(app, AuditEvent), count(app, CohortMember), count(app, CohortSession)) == before
    if action == "sessions/new":
        assert other.get(f"/cohorts/{cohort_id}/sessions/new").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Cohort.calendar_token)) is None


def test_candidate_outside_the_cohort_cannot_see_it(app, client, leader, candidate):
    cohort_id = create_cohort(client)
    other = _other_client(app, candidate.email)
    assert other.get(f"/cohorts/{cohort_id}").status_code == 404
    assert other.get("/cohorts/999").status_code == 404
    assert "Certificate 2027, Northmoor" not in text_of(other.get("/cohorts/"))


@pytest.mark.parametrize(("in_cohort", "status"), [(True, 200), (False, 404)])
def test_assessor_can_see_only_their_cohorts(app, client, leader, in_cohort, status):
    make_user(app, "asa@uni.example", name="Asa Assessor", roles=(Role.ASSESSOR,))
    cohort_id = create_cohort(client)
    if in_cohort:
        add_staff(client, cohort_id, "asa@uni.example")
    other = _other_client(app, "asa@uni.example")
    response = other.get(f"/cohorts/{cohort_id}")
    assert response.status_code == status
    if in_cohort:
        assert "<li>Asa Assessor, assessor</li>" in text_of(response)
        assert "Invite a candidate" not in text_of(response)


def test_anonymous_cannot_see_a_cohort(app, client, leader):
    cohort_id = create_cohort(client)
    anonymous = app.test_client()
    for url in (f"/cohorts/{cohort_id}", "/cohorts/", "/cohorts/new"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_course_leader_changes_are_in_the_audit_log(app, client, leader):
    make_user(app, "asa@uni.example", name="Asa Assessor", roles=(Role.ASSESSOR,))
    cohort_id = create_cohort(client)
    invite(client, cohort_id, "Nia Okafor", "nia@hollins.example", "Hollins Park Academy")
    add_staff(client, cohort_id, "asa@uni.example")
    page = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    people = options(page, "candidate") | options(page, "assessor")
    post_on_cohort(
        client,
        cohort_id,
        "allocations",
        {"candidate": people["Nia Okafor"], "assessor": people["Asa Assessor"]},
    )
    add_session(client, cohort_id, TWILIGHT)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "Cohort").order_by(AuditEvent.seq)
        ).all()
    assert [e.action for e in events] == [
        "cohort_created",
        "cohort_candidate_added",
        "cohort_staff_added",
        "assessor_allocated",
        "session_added",
    ]
    assert {(e.object_id, e.actor_label, e.actor_role) for e in events} == {
        (str(cohort_id), leader.email, Role.COURSE_LEADER)
    }
    created = json.loads(events[0].details_json)
    assert (created["name"], created["offer"]) == ("Certificate 2027, Northmoor", "CERT")

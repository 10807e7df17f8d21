"""Deadlines and extensions as people use them: the course leader sets a module's deadline; candidates see
theirs on their home page; a candidate asks for more time; a tutor or course leader grants it with a new date
or refuses it with a reason; the candidate is told and sees their own deadline. Bad input changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core.accounts.models import Role, User
from core.extensions import db
from core.notifications.models import Notification
from qualification.cohorts.models import Cohort, MemberRole
from qualification.cohorts.services import add_staff
from qualification.deadlines.models import ExtensionStatus, ModuleDeadline
from qualification.deadlines.queries import waiting_requests
from qualification.deadlines.rules import long_date
from tests.support.deadlines import (
    ask,
    decide,
    extensions,
    in_days,
    leader_sets,
    set_deadline,
    today,
)
from tests.support.evidence import audit_rows
from tests.support.html import has_button, page_text, signed_in
from tests.support.people import AISHA, CHRIS, JO, LEADER, PASSWORD, TOM, make_user
from tests.support.submissions import add_item, submit

REASON = "My school had an Ofsted inspection this fortnight and I led the careers part of it."


def _audit(app, action: str) -> list[dict]:
    """The details of the audit rows with this action (who and what object left out)."""
    return [
        {k: v for k, v in row.items() if k not in ("object_id", "actor")} for row in audit_rows(app, action)
    ]


def _notes(app, user_id: int, kind: str) -> list[Notification]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
            )
        )
        db.session.expunge_all()
        return rows


def _home(client) -> str:
    return page_text(client.get("/"))


# Setting deadlines --------------------------------------------------------------------------------------


def test_course_leader_sets_a_deadline_and_candidates_see_it_on_their_home_page(app, demo):
    due = in_days(20)
    leader = signed_in(app, LEADER)
    page = set_deadline(leader, demo, "M01", due)
    text = page_text(page)
    assert f"The M01 deadline is {long_date(due)}." in text
    assert f"M01 Communicating and Working with Others in CEIAG {long_date(due)}" in text
    with app.app_context():
        row = db.session.scalars(select(ModuleDeadline)).one()
        assert (row.module_code, row.due_on, row.set_by_id) == ("M01", due, demo.ids[LEADER])
    assert _audit(app, "deadline_set") == [
        {"cohort_id": demo.cohort_id, "module_code": "M01", "due_on": due.isoformat(), "was": None}
    ]
    # Everyone who studies M01 in the cohort sees it; a candidate of no cohort sees no deadlines panel.
    for email in (JO, CHRIS):
        assert f"due {long_date(due)} (in 20 days)" in _home(signed_in(app, email))
    assert "Deadlines" not in _home(signed_in(app, AISHA))


def test_moving_a_deadline_keeps_one_row_and_says_what_it_was(app, demo):
    first, later = in_days(20), in_days(27)
    leader_sets(app, demo, "M02", first)
    page = set_deadline(signed_in(app, LEADER), demo, "M02", later)
    assert f"The M02 deadline is {long_date(later)}." in page_text(page)
    with app.app_context():
        assert db.session.scalars(select(ModuleDeadline.due_on)).all() == [later]
    assert _audit(app, "deadline_moved")[0]["was"] == first.isoformat()
    assert f"due {long_date(later)}" in _home(signed_in(app, JO))
    # Those who study M02 are told when it is set and when it moves, in so many words.
    titles = [n.title for n in _notes(app, demo.ids[JO], "deadline_set")]
    assert titles == [
        f"The M02 deadline is set for {long_date(first)}",
        f"The M02 deadline is moved to {long_date(later)}",
    ]
    assert f"The M02 deadline is moved to {long_date(later)}" in page_text(
        signed_in(app, JO).get("/notifications/")
    )


def test_a_deadline_in_the_past_is_refused_and_nothing_is_saved(app, demo):
    leader = signed_in(app, LEADER)
    response = set_deadline(leader, demo, "M01", in_days(-1), follow=False)
    assert response.status_code == 422
    assert f"The deadline cannot be in the past: today is {long_date(today())}." in page_text(response)
    missing = set_deadline(leader, demo, "M01", "", follow=False)
    assert missing.status_code == 422
    assert "Enter the deadline." in page_text(missing)
    unknown = set_deadline(leader, demo, "M99", in_days(5), follow=False)
    assert unknown.status_code == 422
    assert "Choose one of the modules this cohort studies." in page_text(unknown)
    with app.app_context():
        assert db.session.scalar(select(func.count(ModuleDeadline.id))) == 0
    assert _audit(app, "deadline_set") == []


def test_candidates_and_assessors_cannot_set_deadlines(app, demo):
    for email in (JO, TOM):
        client = signed_in(app, email)
        assert not has_button(client.get(demo.url), "Save the deadline")
        response = client.post(
            demo.url,
            data={"csrf_token": _token(client, demo), "module_code": "M01", "due_on": in_days(9).isoformat()},
        )
        assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(ModuleDeadline.id))) == 0


def test_a_deadline_is_removed_only_while_nobody_has_asked_for_more_time(app, demo):
    m01, m02 = leader_sets(app, demo, "M01"), leader_sets(app, demo, "M02")
    ask(signed_in(app, JO), demo, m01, in_days(30), REASON)
    leader = signed_in(app, LEADER)
    refused = leader.post(f"{demo.url}/{m01}/remove", data={"csrf_token": _token(leader, demo)})
    assert refused.status_code == 409
    assert "Candidates have asked for extensions of the M01 deadline, so it stays" in page_text(refused)
    removed = leader.post(
        f"{demo.url}/{m02}/remove", data={"csrf_token": _token(leader, demo)}, follow_redirects=True
    )
    assert "The M02 deadline is removed." in page_text(removed)
    with app.app_context():
        assert db.session.scalars(select(ModuleDeadline.module_code)).all() == ["M01"]
    assert [d["module_code"] for d in _audit(app, "deadline_removed")] == ["M02"]


def _token(client, demo) -> str:
    from tests.support.html import csrf_from

    return csrf_from(client.get(demo.url).get_data(as_text=True))


# Asking for more time, and the decision -----------------------------------------------------------------


def test_candidate_asks_for_more_time_and_the_course_leader_grants_it(app, demo):
    due, proposed, granted = in_days(20), in_days(34), in_days(30)
    m01 = leader_sets(app, demo, "M01", due)
    jo = signed_in(app, JO)
    sent = ask(jo, demo, m01, proposed, REASON)
    assert "Your request for more time on M01 is sent." in page_text(sent)
    assert "You asked: waiting for a decision" in page_text(sent)
    assert "You asked for more time: waiting for a decision" in _home(jo)
    (request,) = extensions(app)
    assert (request.status, request.proposed_until, request.reason) == (
        ExtensionStatus.REQUESTED,
        proposed,
        REASON,
    )
    # The course leader is told, and finds it on the cohort's deadlines page.
    (told,) = _notes(app, demo.ids[LEADER], "extension_requested")
    assert told.title == "Extension asked: Jo Patel, M01 (Certificate 2026-27, Northmoor)"
    leader = signed_in(app, LEADER)
    assert "Requests for more time (1 waiting)" in page_text(leader.get(demo.url))
    with app.app_context():  # what a page listing the leader's cohorts and their waiting requests reads
        assert waiting_requests([demo.cohort_id]) == {demo.cohort_id: 1}
    page = leader.get(f"/cohorts/{demo.cohort_id}/extensions/{request.id}")
    assert REASON in page_text(page)
    assert f"Jo Patel's deadline now {long_date(due)}" in page_text(page)

    done = decide(
        leader, demo, request.id, "Grant the extension", {"until": granted.isoformat(), "note": "Good luck"}
    )
    assert f"Extension granted: Jo Patel's M01 deadline is now {long_date(granted)}." in page_text(done)
    (request,) = extensions(app)
    assert (request.status, request.granted_until, request.decided_by_id) == (
        ExtensionStatus.GRANTED,
        granted,
        demo.ids[LEADER],
    )
    assert [d["granted_until"] for d in _audit(app, "extension_granted")] == [granted.isoformat()]
    assert [d["proposed_until"] for d in _audit(app, "extension_requested")] == [proposed.isoformat()]
    (note,) = _notes(app, demo.ids[JO], "extension_granted")
    assert note.title == f"Extension granted: M01 is now due {long_date(granted)}"
    with app.app_context():
        assert waiting_requests([demo.cohort_id]) == {}
    # Jo's own deadline is the extended one; Chris keeps the cohort's.
    home = _home(jo)
    assert f"due {long_date(granted)} (in 30 days), extended from {long_date(due)}" in home
    mine = page_text(jo.get(demo.url))
    assert f"Granted until {long_date(granted)} by Dr Priya Raman" in mine
    assert f"due {long_date(due)} (in 20 days)" in _home(signed_in(app, CHRIS))


def test_a_tutor_of_the_cohort_decides_and_an_assessor_only_reads(app, demo):
    # Tutoring is a role in a cohort; the account itself is a member of staff's.
    make_user(app, "tutor@northmoor.example", name="Tara Tutor", roles=(Role.ASSESSOR,))
    with app.app_context():
        cohort = db.session.get(Cohort, demo.cohort_id)
        leader = db.session.scalar(select(User).where(User.email == LEADER))
        tutor = db.session.scalar(select(User).where(User.email == "tutor@northmoor.example"))
        add_staff(leader, cohort, tutor, MemberRole.TUTOR)
        db.session.commit()
        tutor_id = tutor.id
    m01 = leader_sets(app, demo)
    ask(signed_in(app, JO), demo, m01, in_days(34), REASON)
    (request,) = extensions(app)
    assert _notes(app, tutor_id, "extension_requested")  # the tutor is told too

    tom = signed_in(app, TOM)
    page = tom.get(f"/cohorts/{demo.cohort_id}/extensions/{request.id}")
    assert REASON in page_text(page)
    assert not has_button(page, "Grant the extension")
    refused = tom.post(
        f"/cohorts/{demo.cohort_id}/extensions/{request.id}/grant",
        data={"csrf_token": _token(tom, demo), "until": in_days(30).isoformat()},
    )
    assert refused.status_code == 403
    assert extensions(app)[0].status == ExtensionStatus.REQUESTED

    tutor_client = signed_in(app, "tutor@northmoor.example", PASSWORD)
    done = decide(tutor_client, demo, request.id, "Grant the extension", {"until": in_days(30).isoformat()})
    assert "Extension granted" in page_text(done)
    assert extensions(app)[0].decided_by_id == tutor_id
    assert _audit(app, "extension_granted")


def test_the_course_leader_refuses_with_a_reason_and_the_deadline_stays(app, demo):
    due = in_days(20)
    m01 = leader_sets(app, demo, "M01", due)
    jo = signed_in(app, JO)
    ask(jo, demo, m01, in_days(34), REASON)
    (request,) = extensions(app)
    why = "The inspection was last month; the deadline already allows for it."
    done = decide(signed_in(app, LEADER), demo, request.id, "Refuse the request", {"reason": why})
    assert "Request refused: Jo Patel's M01 deadline stays." in page_text(done)
    (request,) = extensions(app)
    assert (request.status, request.decision_note, request.granted_until) == (
        ExtensionStatus.REFUSED,
        why,
        None,
    )
    assert _audit(app, "extension_refused")[0]["deadline"] == due.isoformat()
    (note,) = _notes(app, demo.ids[JO], "extension_refused")
    assert (note.title, note.body) == (f"Extension refused: M01 is still due {long_date(due)}", why)
    mine = page_text(jo.get(demo.url))
    assert "Refused by Dr Priya Raman" in mine
    assert why in mine
    assert f"due {long_date(due)} (in 20 days)" in _home(jo)
    # A refusal is not the end: the candidate may ask again.
    assert "Your request for more time on M01 is sent." in page_text(ask(jo, demo, m01, in_days(25), REASON))
    assert len(extensions(app)) == 2


# Bad input: a clear message, nothing changed --------------------------------------------------------------


def test_a_request_with_no_reason_or_a_past_date_is_refused_and_nothing_is_sent(app, demo):
    due = in_days(20)
    m01 = leader_sets(app, demo, "M01", due)
    jo = signed_in(app, JO)
    cases = [
        (in_days(30), "   ", "Say why you need more time."),
        (in_days(-2), REASON, f"The date you propose is in the past: today is {long_date(today())}."),
        (in_days(10), REASON, f"Propose a date after your current deadline, {long_date(due)}."),
        ("", REASON, "Enter the date you propose."),
        (in_days(30), "x" * 2001, "Keep it to 2,000 characters."),
    ]
    for proposed, reason, message in cases:
        response = ask(jo, demo, m01, proposed, reason, follow=False)
        assert response.status_code == 422, message
        assert message in page_text(response)
    assert extensions(app) == []
    assert _audit(app, "extension_requested") == []
    assert _notes(app, demo.ids[LEADER], "extension_requested") == []


def test_asking_twice_while_a_request_waits_is_refused(app, demo):
    m01 = leader_sets(app, demo)
    jo = signed_in(app, JO)
    ask(jo, demo, m01, in_days(34), REASON)
    # The form opened in another tab before the first request went.
    again = jo.post(
        f"{demo.url}/{m01}/extension",
        data={"csrf_token": _token(jo, demo), "proposed_until": in_days(40).isoformat(), "reason": REASON},
    )
    assert again.status_code == 409
    assert "You have already asked for more time on M01." in page_text(again)
    assert len(extensions(app)) == 1


def test_a_bad_decision_is_refused_and_the_request_still_waits(app, demo):
    due = in_days(20)
    m01 = leader_sets(app, demo, "M01", due)
    ask(signed_in(app, JO), demo, m01, in_days(34), REASON)
    (request,) = extensions(app)
    leader = signed_in(app, LEADER)
    cases = [
        ("Grant the extension", {"until": in_days(-1).isoformat()}, "The new deadline cannot be in the past"),
        (
            "Grant the extension",
            {"until": due.isoformat()},
            f"The new deadline must be after the candidate's current deadline, {long_date(due)}.",
        ),
        ("Grant the extension", {"until": ""}, "Enter the new deadline."),
        ("Refuse the request", {"reason": ""}, "Say why the request is refused: the candidate reads it."),
    ]
    for button, changes, message in cases:
        response = decide(leader, demo, request.id, button, changes, follow=False)
        assert response.status_code == 422, message
        assert message in page_text(response)
    (request,) = extensions(app)
    assert (request.status, request.granted_until, request.decided_at) == (
        ExtensionStatus.REQUESTED,
        None,
        None,
    )
    assert _audit(app, "extension_granted") == _audit(app, "extension_refused") == []
    assert _notes(app, demo.ids[JO], "extension_granted") == []


def test_a_request_decided_in_another_tab_is_not_decided_again(app, demo):
    m01 = leader_sets(app, demo)
    ask(signed_in(app, JO), demo, m01, in_days(34), REASON)
    (request,) = extensions(app)
    leader = signed_in(app, LEADER)
    page = leader.get(f"/cohorts/{demo.cohort_id}/extensions/{request.id}")  # both forms opened
    decide(leader, demo, request.id, "Grant the extension", {"until": in_days(30).isoformat()})
    from tests.support.html import press

    late = press(leader, page, "Refuse the request", {"reason": "Too late"}, follow=False)
    assert late.status_code == 409
    assert "This request was already granted by Dr Priya Raman, so nothing was changed." in page_text(late)
    assert extensions(app)[0].status == ExtensionStatus.GRANTED


def test_work_handed_in_needs_no_extension(app, demo):
    m01 = leader_sets(app, demo)
    jo = signed_in(app, JO)
    add_item(app, JO, "Careers plan for Year 9")
    submit(jo, "M01")
    home = _home(jo)
    assert "M01" in home
    assert "submitted for assessment (attempt 1)" in home
    row = next(r for r in jo.get(demo.url).get_data(as_text=True).split("<tr>") if "M01 " in r)
    assert "Handed in" in row
    assert "Ask for more time" not in row
    response = jo.post(
        f"{demo.url}/{m01}/extension",
        data={"csrf_token": _token(jo, demo), "proposed_until": in_days(34).isoformat(), "reason": REASON},
    )
    assert response.status_code == 409
    assert "M01 needs no extension: it is submitted for assessment (attempt 1)." in page_text(response)
    assert extensions(app) == []


# Who sees what -------------------------------------------------------------------------------------------


def test_another_candidate_never_sees_a_request(app, demo):
    m01 = leader_sets(app, demo)
    ask(signed_in(app, JO), demo, m01, in_days(34), REASON)
    (request,) = extensions(app)
    chris = signed_in(app, CHRIS)
    assert chris.get(f"/cohorts/{demo.cohort_id}/extensions/{request.id}").status_code == 404
    assert REASON not in chris.get(demo.url).get_data(as_text=True)
    response = chris.post(
        f"/cohorts/{demo.cohort_id}/extensions/{request.id}/grant",
        data={"csrf_token": _token(chris, demo), "until": in_days(30).isoformat()},
    )
    assert response.status_code == 404
    assert extensions(app)[0].status == ExtensionStatus.REQUESTED

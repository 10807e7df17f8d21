"""Booking places in cohort sessions, the candidate's own sessions and feed, and recording attendance."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
from icalendar import Calendar
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.db.timeutil import utcnow
from core.extensions import db
from modules.content.models import Activity, Section
from modules.study.models import ActivityCompletion
from qualification.booking.models import SessionBooking
from qualification.cohorts.models import Cohort, CohortSession
from qualification.cohorts.services import invite_candidate
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, signed_in
from tests.support.people import AISHA, CHRIS, DEMO_PASSWORD, JO, LEADER, MORGAN, TOM, make_user
from tests.support.sessions import TWILIGHT, add_session, section_of

EXTRA = ("extra1@school.example", "extra2@school.example")


@pytest.fixture
def demo(app):
    """The demo people, qualification, study content and cohort; plain ids back."""
    load_demo_data(app)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids)


def _add_session(app, cohort_id, **changes) -> int:
    """The course leader adds a session through the "Add a session" form; its id back."""
    return add_session(app, cohort_id, {**TWILIGHT, **changes})


def _page(client, cohort_id) -> str:
    return client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)


def _press(client, cohort_id, session_id, action, *, follow=False):
    """Press a session's Book / Cancel button: the form must be on the cohort page."""
    html = _page(client, cohort_id)
    url = f"/cohorts/{cohort_id}/sessions/{session_id}/{action}"
    assert f'action="{url}"' in section_of(html, session_id), f"no {action} button"
    return client.post(url, data={"csrf_token": csrf_from(html)}, follow_redirects=follow)


def _post(client, cohort_id, session_id, action):
    """POST to a session's action with a valid token, whether or not the page offers the button."""
    token = csrf_from(client.get("/account").get_data(as_text=True))
    return client.post(f"/cohorts/{cohort_id}/sessions/{session_id}/{action}", data={"csrf_token": token})


def _bookings(app, session_id) -> dict[int, SessionBooking]:
    with app.app_context():  # loaded rows stay readable once the context ends
        rows = db.session.scalars(select(SessionBooking).where(SessionBooking.session_id == session_id))
        return {b.candidate_id: b for b in rows}


def _actions(app, action) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == action))


def _join(app, cohort_id, emails):
    """More candidates with passwords, put into the cohort by the course leader."""
    for n, email in enumerate(emails):
        make_user(app, email, name=f"Extra Candidate {n}")
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        leader = cohort.course_leader
        for n, email in enumerate(emails):
            invite_candidate(leader, cohort, name=f"Extra Candidate {n}", email=email, school="Vale School")
        db.session.commit()


def _time_passes(app, session_id):
    """The session takes place: it moves to yesterday."""
    with app.app_context():
        session = db.session.get(CohortSession, session_id)
        shift = session.starts_at - (utcnow() - timedelta(days=1))
        session.starts_at, session.ends_at = session.starts_at - shift, session.ends_at - shift
        db.session.commit()


# Booking and cancelling ------------------------------------------------------------------------------


def test_candidate_can_book_cancel_and_book_again(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    jo = signed_in(app, JO)
    assert "30 of 30 places left" in section_of(_page(jo, demo.cohort_id), session_id)

    html = _press(jo, demo.cohort_id, session_id, "book", follow=True).get_data(as_text=True)
    assert "You have a place at Needs conversations in practice on Wednesday 10 March 2027." in html
    mine = section_of(html, session_id)
    assert "29 of 30 places left" in mine
    assert "Cancel my booking" in mine
    assert "Book a place" not in mine
    first = _bookings(app, session_id)[demo.ids[JO]]

    # A second press (another tab, a double click) changes nothing.
    again = _post(jo, demo.cohort_id, session_id, "book")
    assert again.headers["Location"].endswith(f"/cohorts/{demo.cohort_id}#session-{session_id}")
    assert list(_bookings(app, session_id)) == [demo.ids[JO]]
    assert "29 of 30 places left" in section_of(_page(jo, demo.cohort_id), session_id)
    assert _actions(app, "session_booked") == 1

    html = _press(jo, demo.cohort_id, session_id, "cancel", follow=True).get_data(as_text=True)
    assert "Your booking for Needs conversations in practice is cancelled" in html
    assert "30 of 30 places left" in section_of(html, session_id)
    assert _bookings(app, session_id)[demo.ids[JO]].status == "cancelled"
    assert _post(jo, demo.cohort_id, session_id, "cancel").status_code == 302  # twice: no error
    assert _actions(app, "session_booking_cancelled") == 1

    html = _press(jo, demo.cohort_id, session_id, "book", follow=True).get_data(as_text=True)
    assert "29 of 30 places left" in section_of(html, session_id)
    rows = _bookings(app, session_id)
    assert [(b.id, b.status) for b in rows.values()] == [(first.id, "booked")]  # the same row, reactivated
    assert _actions(app, "session_booked") == 2


def test_candidate_cannot_book_a_full_session(app, demo):
    session_id = _add_session(app, demo.cohort_id, capacity="2")
    for email in (JO, CHRIS):
        assert _press(signed_in(app, email), demo.cohort_id, session_id, "book").status_code == 302
    morgan = signed_in(app, MORGAN)
    section = section_of(_page(morgan, demo.cohort_id), session_id)
    assert "0 of 2 places left" in section
    assert "Full" in section
    assert "Book a place" not in section
    refused = _post(morgan, demo.cohort_id, session_id, "book")
    assert refused.status_code == 409
    assert "This session is full (2 places)." in refused.get_data(as_text=True)
    assert set(_bookings(app, session_id)) == {demo.ids[JO], demo.ids[CHRIS]}
    # A place given back can be taken.
    _press(signed_in(app, JO), demo.cohort_id, session_id, "cancel")
    assert _press(morgan, demo.cohort_id, session_id, "book").status_code == 302


def test_candidates_booking_the_last_place_at_once_get_one_place_and_409s(app, demo):
    _join(app, demo.cohort_id, EXTRA)
    session_id = _add_session(app, demo.cohort_id, capacity="1")
    people = [(JO, DEMO_PASSWORD), (CHRIS, DEMO_PASSWORD), (MORGAN, DEMO_PASSWORD)]
    people += [(email, "correct horse battery staple") for email in EXTRA]
    url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/book"
    ready = []
    for email, password in people:
        client = signed_in(app, email, password)
        ready.append((client, csrf_from(_page(client, demo.cohort_id))))
    barrier = threading.Barrier(len(ready))

    def book(pair):
        client, token = pair
        barrier.wait(timeout=10)  # all five press the button at the same moment
        return client.post(url, data={"csrf_token": token}).status_code

    with ThreadPoolExecutor(len(ready)) as pool:
        statuses = sorted(pool.map(book, ready, timeout=60))
    assert statuses == [302, 409, 409, 409, 409]
    assert [b.status for b in _bookings(app, session_id).values()] == ["booked"]
    assert _actions(app, "session_booked") == 1


def test_outsiders_and_staff_cannot_book(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    outsider = signed_in(app, AISHA)
    for action in ("book", "cancel", "attendance"):
        assert _post(outsider, demo.cohort_id, session_id, action).status_code == 404
    assert outsider.get(f"/cohorts/{demo.cohort_id}/my-sessions").status_code == 404
    # A session id that is not this cohort's is not found either.
    jo = signed_in(app, JO)
    assert _post(jo, demo.cohort_id, session_id + 1000, "book").status_code == 404
    # Staff may see the cohort but hold no places in it.
    leader = signed_in(app, LEADER)
    assert "Book a place" not in section_of(_page(leader, demo.cohort_id), session_id)
    assert _post(leader, demo.cohort_id, session_id, "book").status_code == 403
    assert leader.get(f"/cohorts/{demo.cohort_id}/my-sessions").status_code == 403
    assert _bookings(app, session_id) == {}


# Attendance ------------------------------------------------------------------------------------------


def _completions(app, user_id) -> dict[int, str]:
    with app.app_context():
        rows = db.session.scalars(select(ActivityCompletion).where(ActivityCompletion.user_id == user_id))
        return {c.activity_id: c.how for c in rows}


def test_staff_can_record_attendance_which_completes_the_session_activity(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    with app.app_context():
        m01 = select(Activity.id).join(Section).where(Section.module_code == "M01")
        activity_id = db.session.scalar(m01.where(Activity.session_kind == "twilight"))  # a session activity
    _press(signed_in(app, JO), demo.cohort_id, session_id, "book")
    _press(signed_in(app, MORGAN), demo.cohort_id, session_id, "book")
    _time_passes(app, session_id)

    assessor = signed_in(app, TOM)
    assert f"/sessions/{session_id}/attendance" in section_of(_page(assessor, demo.cohort_id), session_id)
    url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/attendance"
    html = assessor.get(url).get_data(as_text=True)
    # Those who booked come first and are marked as booked.
    assert html.index("Jo Patel") < html.index("Morgan Lee") < html.index("Chris Evans")
    assert html.count("Booked") == 2
    assert "Not booked" in html
    # Jo and Chris came (Chris without booking); Morgan booked but did not come.
    came = {"csrf_token": csrf_from(html), "attended": [demo.ids[JO], demo.ids[CHRIS]]}
    assert assessor.post(url, data=came).headers["Location"].endswith(url)
    html = assessor.get(url).get_data(as_text=True)
    assert "Attendance saved: 2 newly marked as attending; 2 session activities completed." in html
    assert html.count("Attended</span>") == 2

    rows = {
        uid: (b.status, b.attended_at is not None, b.attendance_by_id)
        for uid, b in _bookings(app, session_id).items()
    }
    staff = demo.ids[TOM]
    assert rows == {
        demo.ids[JO]: ("booked", True, staff),
        demo.ids[CHRIS]: ("booked", True, staff),
        demo.ids[MORGAN]: ("booked", False, None),
    }
    done = {activity_id: "attendance"}
    assert [_completions(app, demo.ids[e]) for e in (JO, CHRIS, MORGAN)] == [done, done, {}]

    # Saving again changes nothing and completes nothing twice.
    again = assessor.post(url, data=came, follow_redirects=True).get_data(as_text=True)
    assert "0 newly marked as attending; 0 session activities completed" in again
    assert _completions(app, demo.ids[JO]) == done
    assert _actions(app, "session_attendance_recorded") == 2


def test_once_a_session_starts_bookings_close_and_attendance_opens(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    jo = signed_in(app, JO)
    _press(jo, demo.cohort_id, session_id, "book")
    leader = signed_in(app, LEADER)
    url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/attendance"
    html = leader.get(url).get_data(as_text=True)
    assert "Attendance can be recorded once the session has started" in html
    assert "Save attendance" not in html
    token = csrf_from(html)
    assert leader.post(url, data={"csrf_token": token, "attended": [demo.ids[JO]]}).status_code == 409

    _time_passes(app, session_id)
    section = section_of(_page(jo, demo.cohort_id), session_id)
    assert "Cancel my booking" not in section
    assert "Book a place" not in section
    refused = _post(jo, demo.cohort_id, session_id, "cancel")
    assert refused.status_code == 409
    assert "already started" in refused.get_data(as_text=True)
    assert _post(signed_in(app, CHRIS), demo.cohort_id, session_id, "book").status_code == 409
    assert "Save attendance" in leader.get(url).get_data(as_text=True)
    # Only the cohort's candidates can be marked.
    outsider = leader.post(url, data={"csrf_token": token, "attended": [demo.ids[AISHA]]})
    assert outsider.status_code == 422
    rows = _bookings(app, session_id)
    assert [(uid, b.status, b.attended_at) for uid, b in rows.items()] == [(demo.ids[JO], "booked", None)]


def test_candidate_cannot_record_attendance(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    _time_passes(app, session_id)
    jo = signed_in(app, JO)
    url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/attendance"
    assert jo.get(url).status_code == 403
    token = csrf_from(jo.get("/account").get_data(as_text=True))
    assert jo.post(url, data={"csrf_token": token, "attended": [demo.ids[JO]]}).status_code == 403
    assert f"/sessions/{session_id}/attendance" not in section_of(_page(jo, demo.cohort_id), session_id)
    assert _bookings(app, session_id) == {}
    assert _completions(app, demo.ids[JO]) == {}


# My sessions and the personal feed -------------------------------------------------------------------

_FEED = re.compile(r"<code>http://waymark\.test(/cohorts/my-sessions/[^<]+\.ics)</code>")


def _feed_path(client, cohort_id) -> str:
    match = _FEED.search(client.get(f"/cohorts/{cohort_id}/my-sessions").get_data(as_text=True))
    assert match, "no feed address on the My sessions page"
    return match.group(1)


def _uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(body).walk("VEVENT")}


def test_candidate_sees_their_sessions_and_subscribes_to_them(app, demo):
    first = _add_session(app, demo.cohort_id)
    second = _add_session(
        app, demo.cohort_id, title="Second twilight", starts_at="2027-04-14T16:30", ends_at="2027-04-14T18:00"
    )
    jo, chris = signed_in(app, JO), signed_in(app, CHRIS)
    _press(jo, demo.cohort_id, first, "book")
    _press(jo, demo.cohort_id, second, "book")
    _press(chris, demo.cohort_id, second, "book")

    html = jo.get(f"/cohorts/{demo.cohort_id}/my-sessions").get_data(as_text=True)
    assert "Needs conversations in practice" in html
    assert "Second twilight" in html
    assert f'href="/cohorts/{demo.cohort_id}/release-letter"' in html
    assert "webcal://waymark.test/cohorts/my-sessions/" in html

    jo_feed, chris_feed = _feed_path(jo, demo.cohort_id), _feed_path(chris, demo.cohort_id)
    anonymous = app.test_client()
    response = anonymous.get(jo_feed)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert _uids(response.data) == {f"session-{first}@waymark", f"session-{second}@waymark"}
    assert _uids(anonymous.get(chris_feed).data) == {f"session-{second}@waymark"}

    # Cancelling from the My sessions page takes the session out of the feed.
    page = jo.get(f"/cohorts/{demo.cohort_id}/my-sessions").get_data(as_text=True)
    action = f"/cohorts/{demo.cohort_id}/sessions/{first}/cancel"
    assert f'action="{action}"' in page
    cancel = jo.post(action, data={"csrf_token": csrf_from(page), "back": "mine"})
    assert cancel.headers["Location"].endswith(f"/cohorts/{demo.cohort_id}/my-sessions")
    assert _uids(anonymous.get(jo_feed).data) == {f"session-{second}@waymark"}
    html = jo.get(f"/cohorts/{demo.cohort_id}/my-sessions").get_data(as_text=True)
    assert "Your booking for Needs conversations in practice is cancelled" in html
    assert "Needs conversations in practice (Twilight session)" not in html
    assert "Second twilight (Twilight session)" in html


def test_a_tampered_or_forged_feed_address_is_not_found(app, demo):
    session_id = _add_session(app, demo.cohort_id)
    jo = signed_in(app, JO)
    _press(jo, demo.cohort_id, session_id, "book")
    path = _feed_path(jo, demo.cohort_id)
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    payload, signature = path.removeprefix("/cohorts/my-sessions/").removesuffix(".ics").split(".")
    # The first character: the last one of base64 carries padding bits that may not change the bytes.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    chris_payload = URLSafeSerializer("x").dumps(demo.ids[CHRIS]).split(".")[0]
    forged = [
        f"{payload}.{flipped}",
        f"{chris_payload}.{signature}",  # Jo's signature on Chris's id
        payload,
        # The right key with another purpose's salt, and another key with the right salt.
        URLSafeSerializer(app.config["SECRET_KEY"], salt="other").dumps(demo.ids[JO]),
        URLSafeSerializer("not-the-key", salt="bookings-feed").dumps(demo.ids[JO]),
        "x" * 300,
    ]
    for bad in forged:
        assert anonymous.get(f"/cohorts/my-sessions/{bad}.ics").status_code == 404, bad

"""A full session's waiting list: candidates join it in turn, a place that comes free (a booking cancelled,
the capacity raised) goes to the next in line, who is told; never more places than the capacity."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.extensions import db
from qualification.cohorts.models import Cohort
from qualification.cohorts.services import invite_candidate
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, page_text, signed_in
from tests.support.people import CHRIS, DEMO_PASSWORD, JO, LEADER, MORGAN, PASSWORD, make_user
from tests.support.sessions import (
    add_session,
    bookings,
    cancel_session,
    change_session,
    notifications,
    press,
    section_of,
    twilight,
    wednesday,
)

EXTRA = ("extra1@school.example", "extra2@school.example")


@pytest.fixture
def demo(app):
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids)


def _section(client, cohort_id, session_id) -> str:
    return section_of(client.get(f"/cohorts/{cohort_id}").get_data(as_text=True), session_id)


def _given(app) -> list[int]:
    """Who was given a place from a waiting list, in order (from the audit trail)."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "session_place_given").order_by(AuditEvent.seq)
        )
        return [json.loads(row.details_json)["candidate_id"] for row in rows]


def _full_session(app, demo, capacity: str = "1") -> int:
    """A session with `capacity` places, Jo in the first one."""
    session_id = add_session(app, demo.cohort_id, twilight(wednesday(3), capacity=capacity))
    press(signed_in(app, JO), demo.cohort_id, session_id, "book")
    return session_id


def test_a_cancelled_booking_gives_the_place_to_the_first_in_line(app, demo):
    session_id = _full_session(app, demo)
    chris, morgan = signed_in(app, CHRIS), signed_in(app, MORGAN)
    section = _section(chris, demo.cohort_id, session_id)
    assert "Full" in section
    assert "Book a place" not in section
    joined = press(chris, demo.cohort_id, session_id, "wait")
    assert "Careers guidance in practice is full, so you are on its waiting list (number 1)." in page_text(
        joined
    )
    press(morgan, demo.cohort_id, session_id, "wait")
    assert "On the waiting list: number 2" in _section(morgan, demo.cohort_id, session_id)
    assert "0 of 1 place left, 2 on the waiting list" in _section(chris, demo.cohort_id, session_id)
    ids = demo.ids
    assert bookings(app, session_id) == {ids[JO]: "booked", ids[CHRIS]: "waiting", ids[MORGAN]: "waiting"}

    # Jo gives her place back: Chris, first in line, has it and is told; Morgan moves up.
    press(signed_in(app, JO), demo.cohort_id, session_id, "cancel")
    assert bookings(app, session_id) == {ids[JO]: "cancelled", ids[CHRIS]: "booked", ids[MORGAN]: "waiting"}
    assert _given(app) == [ids[CHRIS]]
    (note,) = notifications(app, ids[CHRIS])
    assert note.title.startswith("A place came free: you are booked on Careers guidance in practice")
    assert note.link.endswith(f"/cohorts/{demo.cohort_id}#session-{session_id}")
    assert "You have a place" in _section(chris, demo.cohort_id, session_id)
    assert "On the waiting list: number 1" in _section(morgan, demo.cohort_id, session_id)
    assert notifications(app, ids[MORGAN]) == []

    # Morgan leaves the list: nobody is given anything, the place stays Chris's.
    left = press(morgan, demo.cohort_id, session_id, "leave-waiting-list")
    assert "You have left the waiting list for Careers guidance in practice." in page_text(left)
    assert bookings(app, session_id)[ids[MORGAN]] == "cancelled"
    assert _given(app) == [ids[CHRIS]]


def test_raising_the_capacity_gives_the_new_places_in_order(app, demo):
    session_id = _full_session(app, demo)
    for email in (MORGAN, CHRIS):  # Morgan first, then Chris
        press(signed_in(app, email), demo.cohort_id, session_id, "wait")
    leader = signed_in(app, LEADER)

    # Fewer places than people booked: refused, nothing changed.
    lowered = add_session(app, demo.cohort_id, twilight(wednesday(4), capacity="2", title="Second"))
    for email in (JO, CHRIS):
        press(signed_in(app, email), demo.cohort_id, lowered, "book")
    too_few = change_session(leader, demo.cohort_id, lowered, {"capacity": "1"}, follow=False)
    assert too_few.status_code == 422
    assert "2 candidates have a place already: the capacity cannot be fewer than 2." in page_text(too_few)
    assert set(bookings(app, lowered).values()) == {"booked"}

    done = change_session(leader, demo.cohort_id, session_id, {"capacity": "2"})
    assert "1 person on the waiting list was given a place" in page_text(done)
    ids = demo.ids
    assert bookings(app, session_id) == {ids[JO]: "booked", ids[MORGAN]: "booked", ids[CHRIS]: "waiting"}
    # No limit at all: everyone still waiting gets a place.
    change_session(leader, demo.cohort_id, session_id, {"capacity": ""})
    assert set(bookings(app, session_id).values()) == {"booked"}
    assert _given(app) == [ids[MORGAN], ids[CHRIS]]


def test_joining_the_list_of_a_session_with_a_place_free_books_it(app, demo):
    session_id = add_session(app, demo.cohort_id, twilight(wednesday(3), capacity="2"))
    chris = signed_in(app, CHRIS)
    token = csrf_from(chris.get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True))
    url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/wait"
    done = chris.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "You have a place at Careers guidance in practice" in page_text(done)
    assert bookings(app, session_id) == {demo.ids[CHRIS]: "booked"}


def test_a_cancelled_session_tells_its_waiting_list_and_takes_no_more_names(app, demo):
    session_id = _full_session(app, demo)
    chris = signed_in(app, CHRIS)
    press(chris, demo.cohort_id, session_id, "wait")
    cancel_session(signed_in(app, LEADER), demo.cohort_id, session_id, "Too few booked.")
    for email in (JO, CHRIS):
        (note,) = notifications(app, demo.ids[email])
        assert note.title.startswith("Cancelled: Careers guidance in practice")
    # The booking rows stay as they were (the record of who was told); nothing more can be pressed.
    assert bookings(app, session_id) == {demo.ids[JO]: "booked", demo.ids[CHRIS]: "waiting"}
    token = csrf_from(chris.get("/account").get_data(as_text=True))
    for action in ("book", "wait", "cancel", "leave-waiting-list"):
        url = f"/cohorts/{demo.cohort_id}/sessions/{session_id}/{action}"
        refused = chris.post(url, data={"csrf_token": token})
        assert refused.status_code == 409
        assert "This session is cancelled" in refused.get_data(as_text=True)
    assert bookings(app, session_id) == {demo.ids[JO]: "booked", demo.ids[CHRIS]: "waiting"}


def _join(app, cohort_id):
    for n, email in enumerate(EXTRA):
        make_user(app, email, name=f"Extra Candidate {n}")
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        for n, email in enumerate(EXTRA):
            invite_candidate(
                cohort.course_leader, cohort, name=f"Extra Candidate {n}", email=email, school=""
            )
        db.session.commit()


def test_a_place_freed_while_others_press_book_goes_to_the_waiting_list(app, demo):
    _join(app, demo.cohort_id)
    session_id = _full_session(app, demo)
    press(signed_in(app, CHRIS), demo.cohort_id, session_id, "wait")
    # At the same moment: Jo cancels, and three others press Book a place.
    pressers = [(JO, DEMO_PASSWORD, "cancel"), (MORGAN, DEMO_PASSWORD, "book")]
    pressers += [(email, PASSWORD, "book") for email in EXTRA]
    ready = []
    for email, password, action in pressers:
        client = signed_in(app, email, password)
        token = csrf_from(client.get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True))
        ready.append((client, token, f"/cohorts/{demo.cohort_id}/sessions/{session_id}/{action}"))
    barrier = threading.Barrier(len(ready))

    def go(item):
        client, token, url = item
        barrier.wait(timeout=10)
        return url.rsplit("/", 1)[1], client.post(url, data={"csrf_token": token}).status_code

    with ThreadPoolExecutor(len(ready)) as pool:
        results = sorted(pool.map(go, ready, timeout=60))
    assert results == [("book", 409), ("book", 409), ("book", 409), ("cancel", 302)]
    held = [uid for uid, status in bookings(app, session_id).items() if status == "booked"]
    assert held == [demo.ids[CHRIS]]
    with app.app_context():
        given = db.session.scalar(
            select(func.count(AuditEvent.seq)).where(AuditEvent.action == "session_place_given")
        )
    assert given == 1

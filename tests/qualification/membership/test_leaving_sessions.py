"""A candidate who leaves the cohort (withdrawn, or moved to another) gives up their places in its sessions
still to come, by the booking service's own cancel path: each place goes to the next on the waiting list,
who is told; a turn of theirs on a waiting list ends."""

from __future__ import annotations

import pytest

from tests.qualification.membership.test_transfer import LATER, _new_cohort
from tests.support.demo import demo_ids, load_demo_data
from tests.support.evidence import audit_rows
from tests.support.html import page_text, signed_in
from tests.support.membership import joined_days_ago, transfer, withdraw
from tests.support.people import CHRIS, JO, LEADER, MORGAN
from tests.support.sessions import add_session, bookings, notifications, press, twilight, wednesday


@pytest.fixture
def demo(app):
    """Two full sessions ahead: Jo has the one place in the first (Chris, then Morgan, waiting) and waits
    for the second (Chris has its place)."""
    load_demo_data(app, content=False)
    cohort, people = demo_ids(app)
    joined_days_ago(app, cohort)
    first = add_session(app, cohort, twilight(wednesday(3), capacity="1"))
    second = add_session(app, cohort, twilight(wednesday(5), capacity="1"))
    press(signed_in(app, JO), cohort, first, "book")
    press(signed_in(app, CHRIS), cohort, first, "wait")
    press(signed_in(app, MORGAN), cohort, first, "wait")
    press(signed_in(app, CHRIS), cohort, second, "book")
    press(signed_in(app, JO), cohort, second, "wait")
    return app, cohort, people, first, second


def _given_place(app, who: int) -> list[str]:
    return [n.title for n in notifications(app, who) if n.title.startswith("A place came free")]


def _left_sessions(app, cohort, people, first, second) -> None:
    ids = people
    assert bookings(app, first) == {ids[JO]: "cancelled", ids[CHRIS]: "booked", ids[MORGAN]: "waiting"}
    assert bookings(app, second) == {ids[CHRIS]: "booked", ids[JO]: "cancelled"}
    # Chris, first in line, has Jo's place and is told; Morgan moves up the list.
    assert len(_given_place(app, ids[CHRIS])) == 1
    assert _given_place(app, ids[MORGAN]) == []
    given = audit_rows(app, "session_place_given")
    assert [(r["candidate_id"], r["session_id"]) for r in given] == [(ids[CHRIS], first)]
    cancelled = audit_rows(app, "session_booking_cancelled") + audit_rows(app, "session_waiting_list_left")
    assert sorted((r["candidate_id"], r["session_id"]) for r in cancelled) == [
        (ids[JO], first),
        (ids[JO], second),
    ]
    assert "On the waiting list: number 1" in page_text(signed_in(app, MORGAN).get(f"/cohorts/{cohort}"))


def test_a_withdrawn_candidates_places_go_to_the_waiting_list(demo):
    app, cohort, people, first, second = demo
    withdraw(signed_in(app, LEADER), cohort, people[JO], "Jo Patel")
    _left_sessions(app, cohort, people, first, second)
    (row,) = audit_rows(app, "candidate_withdrawn")
    assert row["bookings_cancelled"] == 2


def test_a_transferred_candidates_places_in_the_old_cohort_go_to_the_waiting_list(demo):
    app, cohort, people, first, second = demo
    later = _new_cohort(app, LATER)
    shown = page_text(transfer(signed_in(app, LEADER), cohort, people[JO], later))
    assert f"Jo Patel has moved to {LATER}" in shown
    _left_sessions(app, cohort, people, first, second)
    (row,) = audit_rows(app, "candidate_transferred")
    assert row["bookings_cancelled"] == 2

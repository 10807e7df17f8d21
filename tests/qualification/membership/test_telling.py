"""The candidate is told what their course leader records about them (a break, the return, a withdrawal), in
the app and by email as they prefer, naming the cohort: never left to find out from a changed page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.notifications.models import Notification
from qualification.demo import DEMO_COHORT
from tests.support.demo import demo_fixture
from tests.support.html import page_text, signed_in
from tests.support.membership import (
    days_ago,
    jo_joined_in_the_demo,
    record_return,
    start_break,
    today,
    withdraw,
)
from tests.support.people import JO, LEADER

demo = demo_fixture(jo_joined_in_the_demo)


def _told(app, user_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.kind.like("candidate_%"))
            .order_by(Notification.id)
        )
        return [(n.kind, n.title, n.about) for n in rows]


def test_the_candidate_is_told_of_their_break_their_return_and_a_withdrawal(demo):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    began, back = today() - timedelta(days=10), today() - timedelta(days=2)

    start_break(leader, cohort, jo, starts_on=days_ago(10))
    record_return(leader, cohort, jo, days_ago(2))
    withdraw(leader, cohort, jo, "Jo Patel", "Moved to a post abroad")

    told = _told(app, jo)
    assert [kind for kind, _, _ in told] == [
        "candidate_suspended",
        "candidate_returned",
        "candidate_withdrawn",
    ]
    assert told[0][1] == f"Your break in learning from {began:%-d %B %Y} is recorded"
    assert told[1][1] == f"Welcome back: your return on {back:%-d %B %Y} is recorded"
    assert told[2][1] == f"You are withdrawn from {DEMO_COHORT}"
    assert all(DEMO_COHORT in about for _, _, about in told)
    # What Jo reads in the app.
    shown = page_text(signed_in(app, JO).get("/notifications/"))
    for _, title, _ in told:
        assert title in shown


def test_a_refused_break_tells_nobody(demo):
    app, cohort, jo = demo
    start_break(signed_in(app, LEADER), cohort, jo, starts_on=days_ago(-1))
    assert _told(app, jo) == []

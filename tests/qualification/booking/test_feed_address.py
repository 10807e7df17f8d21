"""The personal feed's address (issue 15): the candidate can replace it (the old one stops working at once),
and a disabled account's feed is not found, as an unknown address is not."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.extensions import db
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, form_post, page_text, press, signed_in
from tests.support.people import JO, PASSWORD, make_user
from tests.support.sessions import TWILIGHT, add_session

_FEED = re.compile(r"<code>http://waymark\.test(/cohorts/my-sessions/[^<]+\.ics)</code>")
NEW_ADDRESS = "Get a new feed address"
WARNING = "Your current feed address will stop working"


@pytest.fixture
def demo(app):
    load_demo_data(app)
    cohort_id, ids = demo_ids(app)
    session_id = add_session(app, cohort_id, TWILIGHT)
    jo = signed_in(app, JO)
    page = jo.get(f"/cohorts/{cohort_id}")
    booked = jo.post(
        f"/cohorts/{cohort_id}/sessions/{session_id}/book",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert booked.status_code == 302
    return SimpleNamespace(cohort_id=cohort_id, ids=ids, session_id=session_id, jo=jo)


def _my_sessions(demo):
    return demo.jo.get(f"/cohorts/{demo.cohort_id}/my-sessions")


def _feed_path(response) -> str:
    match = _FEED.search(response.get_data(as_text=True))
    assert match, "no feed address on the My sessions page"
    return match.group(1)


def _events(response) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_candidate_can_get_a_new_feed_address_and_the_old_one_stops_working(app, demo):
    calendar_app = app.test_client()
    page = _my_sessions(demo)
    old = _feed_path(page)
    assert calendar_app.get(old).status_code == 200
    html = page.get_data(as_text=True)
    assert WARNING in html
    assert 'data-confirm="' in html

    answer = press(demo.jo, page, NEW_ADDRESS)
    text = page_text(answer)
    assert "Your feed has a new address" in text
    new = _feed_path(answer)
    assert new != old
    assert calendar_app.get(old).status_code == 404
    fresh = calendar_app.get(new)
    assert fresh.status_code == 200
    assert _events(fresh) == {f"session-{demo.session_id}@waymark"}
    (event,) = _audit(app, "booking.feed_address_changed")
    assert event.actor_id == demo.ids[JO]

    # Again: the second address stops working too, and the first stays dead.
    newer = _feed_path(press(demo.jo, _my_sessions(demo), NEW_ADDRESS))
    assert {calendar_app.get(new).status_code, calendar_app.get(old).status_code} == {404}
    assert calendar_app.get(newer).status_code == 200


def test_feed_address_is_not_changed_without_the_form(app, demo):
    old = _feed_path(_my_sessions(demo))
    action = f"/cohorts/{demo.cohort_id}/my-sessions/new-feed-address"
    assert demo.jo.get(action).status_code == 405
    refused = demo.jo.post(action, data={})
    assert refused.status_code == 400
    assert _feed_path(_my_sessions(demo)) == old
    assert _audit(app, "booking.feed_address_changed") == []


def test_a_disabled_accounts_feed_is_not_found(app, demo):
    calendar_app = app.test_client()
    feed = _feed_path(_my_sessions(demo))
    admin = make_user(app, "admin@uni.example", name="Ada Admin", roles=("admin",))
    office = app.test_client()
    assert "Hello" in page_text(
        form_post(office, "/login", {"email": admin.email, "password": PASSWORD}, follow=True)
    )
    account = f"/admin/accounts/{demo.ids[JO]}"
    disabled = form_post(office, account, {}, action=f"{account}/disable", follow=True)
    assert "account is disabled" in page_text(disabled)

    # Exactly what an address that was never anyone's gets.
    gone, unknown = calendar_app.get(feed), calendar_app.get("/cohorts/my-sessions/not-an-address.ics")
    assert gone.status_code == unknown.status_code == 404

    form_post(office, account, {}, action=f"{account}/enable")
    assert calendar_app.get(feed).status_code == 200

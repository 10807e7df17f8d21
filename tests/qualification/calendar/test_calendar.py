"""Published cohort calendars (page and iCalendar feed), release letters, and their pure helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from qualification.calendar import views as calendar_views
from qualification.calendar.rules import (
    build_ics,
    describe_release,
    format_days,
    format_pounds,
    release_summary,
)
from qualification.demo import DEMO_COHORT
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import csrf_from, signed_in
from tests.support.people import AISHA, CHRIS, JO, LEADER, TOM

MEMBER_NAMES = ("Jo Patel", "Chris Evans", "Morgan Lee", "Tom Okafor", "Helen Marsh", "Priya Raman")


@pytest.fixture
def demo(app):
    """The demo people, qualification and cohort, loaded as `flask demo load` does; plain ids back."""
    load_demo_data(app, content=False)
    cohort_id, ids = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, ids=ids)


def _post_on_cohort_page(client, cohort_id, action):
    page = client.get(f"/cohorts/{cohort_id}")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        f"/cohorts/{cohort_id}/calendar/{action}", data={"csrf_token": token}, follow_redirects=True
    )


def _publish(client, cohort_id) -> str:
    """Publish through the cohort page's form; the public page's address from the link it shows."""
    html = _post_on_cohort_page(client, cohort_id, "publish").get_data(as_text=True)
    match = re.search(r'href="(/cohorts/calendar/[A-Za-z0-9_-]+)"', html)
    assert match, "no public calendar link on the cohort page"
    return match.group(1)


def _events(body: bytes):
    return Calendar.from_ical(body).walk("VEVENT")


def test_publishing_gives_a_public_page_and_feed(app, demo):
    leader = signed_in(app, LEADER)
    page_url = _publish(leader, demo.cohort_id)

    anonymous = app.test_client()
    page = anonymous.get(page_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h2>September 2026</h2>" not in html  # months are h3 under the Sessions heading
    for month in ("September 2026", "October 2026", "November 2026", "December 2026", "February 2027"):
        assert f"<h3>{month}</h3>" in html
    assert (
        html.index("Launch day") < html.index("Needs conversations") < html.index("Evidence and assessment")
    )
    assert "Friday 18 September 2026, 09:30</time> to <time" in html
    assert "Wednesday 7 October 2026, 16:30" in html
    assert 'Online: <a href="https://meet.northmoor.example/ccq"' in html
    assert "Northmoor Campus, Room B12" in html
    assert "M03 " in html
    assert "<dt>Places</dt><dd>30</dd>" in html
    assert "2 day-release days and 1 half-day release" in html
    assert f"{page_url}.ics" in html
    assert "webcal://" in html
    for name in MEMBER_NAMES:
        assert name not in html
    assert "@school.example" not in html

    feed = anonymous.get(f"{page_url}.ics")
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert feed.headers["Content-Disposition"] == 'attachment; filename="certificate-2026-27-northmoor.ics"'
    calendar = Calendar.from_ical(feed.data)
    assert str(calendar["PRODID"]) == "-//Waymark//Cohort calendar//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == DEMO_COHORT
    events = calendar.walk("VEVENT")
    assert len(events) == 5
    starts = {str(e["SUMMARY"]).split(" (")[0]: e.decoded("DTSTART") for e in events}
    # 16:30 in the UK is 15:30 UTC under British Summer Time (October), 16:30 UTC under GMT (November).
    assert starts["Needs conversations with pupils"] == datetime(2026, 10, 7, 15, 30, tzinfo=UTC)
    assert starts["Planning the careers calendar"] == datetime(2026, 11, 4, 16, 30, tzinfo=UTC)
    assert starts["Launch day: the coordinator's role"] == datetime(2026, 9, 18, 8, 30, tzinfo=UTC)
    # Written on the UK clock with its zone, as calendar apps expect, not as UTC.
    assert b"DTSTART;TZID=Europe/London:20261007T163000" in feed.data
    assert b"DTEND;TZID=Europe/London:20261104T180000" in feed.data
    online = next(e for e in events if "Needs conversations" in str(e["SUMMARY"]))
    assert str(online["LOCATION"]) == str(online["URL"]) == "https://meet.northmoor.example/ccq"
    assert "Modules: M01" in str(online["DESCRIPTION"])

    again = _events(anonymous.get(f"{page_url}.ics").data)
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in events]
    assert all(re.fullmatch(r"session-\d+@waymark", str(e["UID"])) for e in events)


def test_unpublishing_and_republishing_retire_the_old_address(app, demo):
    leader = signed_in(app, LEADER)
    first = _publish(leader, demo.cohort_id)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 200

    _post_on_cohort_page(leader, demo.cohort_id, "unpublish")
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(f"{first}.ics").status_code == 404

    second = _publish(leader, demo.cohort_id)
    assert second != first
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    third = _publish(leader, demo.cohort_id)
    assert third != second
    assert anonymous.get(second).status_code == 404
    assert anonymous.get(f"{third}.ics").status_code == 200


def test_unknown_calendar_tokens_are_not_found(app, demo):
    anonymous = app.test_client()
    for url in ("/cohorts/calendar/nope", "/cohorts/calendar/nope.ics", "/cohorts/calendar/" + "x" * 80):
        assert anonymous.get(url).status_code == 404


@pytest.fixture
def before_the_year(monkeypatch):
    """Letters read on 1 September 2026, before the demo's first session: every date is still to come."""
    monkeypatch.setattr(calendar_views, "utcnow", lambda: datetime(2026, 9, 1, 8, tzinfo=UTC))


def test_a_candidate_reads_their_own_release_letter(app, demo, before_the_year):
    html = signed_in(app, JO).get(f"/cohorts/{demo.cohort_id}/release-letter").get_data(as_text=True)
    assert "Hollins Park Academy" in html
    assert "Jo Patel" in html
    assert "Dr Priya Raman" in html  # from the course leader
    release = html[html.index("Sessions in school time") : html.index("After school, no release needed")]
    for day in ("Friday 18 September 2026", "Friday 5 February 2027", "Wednesday 2 December 2026"):
        assert day in release
    assert "13:00 to 16:30" in release
    assert "Wednesday 7 October 2026" not in release
    assert (
        "2.5 days of release (2 full days and 1 half day) — about £450 of supply cover at £180 a day" in html
    )
    after = html[html.index("After school, no release needed") :]
    assert "Wednesday 7 October 2026" in after
    assert "Wednesday 4 November 2026" in after
    assert "css/print.css" in html
    assert "Print command" in html


def test_candidate_finds_their_letter_from_the_cohort_page(app, demo):
    html = signed_in(app, JO).get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True)
    assert "Your release letter for your school" in html
    assert f'href="/cohorts/{demo.cohort_id}/release-letter"' in html
    staff = (
        signed_in(app, "leader@northmoor.example").get(f"/cohorts/{demo.cohort_id}").get_data(as_text=True)
    )
    assert "Release letters for candidates' schools" in staff


def test_candidates_cannot_read_each_others_letters(app, demo):
    chris = signed_in(app, CHRIS)
    url = f"/cohorts/{demo.cohort_id}/release-letter"
    assert chris.get(f"{url}?candidate={demo.ids[JO]}").status_code == 404
    own = chris.get(url)
    assert own.status_code == 200
    assert "St Aidan&#39;s Church of England School" in own.get_data(as_text=True)
    assert chris.get(f"{url}?candidate={demo.ids[CHRIS]}").status_code == 200
    assert chris.get(f"{url}?candidate=nonsense").status_code == 404


def test_cohort_staff_read_any_candidates_letter(app, demo):
    url = f"/cohorts/{demo.cohort_id}/release-letter"
    assessor = signed_in(app, TOM)
    letter = assessor.get(f"{url}?candidate={demo.ids[JO]}")
    assert letter.status_code == 200
    assert "Hollins Park Academy" in letter.get_data(as_text=True)
    listing = assessor.get(url).get_data(as_text=True)
    for email in (JO, CHRIS, "candidate3@school.example"):
        assert f"{url}?candidate={demo.ids[email]}" in listing

    leader = signed_in(app, LEADER)
    assert leader.get(f"{url}?candidate={demo.ids[CHRIS]}").status_code == 200
    # Staff are not candidates: there is no letter for them.
    assert leader.get(f"{url}?candidate={demo.ids[TOM]}").status_code == 404


def test_outsiders_do_not_learn_the_cohort_exists(app, demo):
    url = f"/cohorts/{demo.cohort_id}/release-letter"
    outsider = signed_in(app, AISHA)
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"{url}?candidate={demo.ids[JO]}").status_code == 404
    assert outsider.get("/cohorts/999999/release-letter").status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]


# Pure helpers ----------------------------------------------------------------------------------------


def _session(n, kind, start, end, *, place="Room 1", link=None, modules=()):
    return SimpleNamespace(
        id=n,
        kind=kind,
        title=f"Session {n}",
        starts_at=start,
        ends_at=end,
        place=place,
        link=link,
        modules=list(modules),
        status="scheduled",
        sequence=0,
        cancel_reason=None,
    )


def _day(n, kind, month=3):
    return _session(
        n, kind, datetime(2027, month, n, 9, tzinfo=UTC), datetime(2027, month, n, 15, tzinfo=UTC)
    )


def test_release_summary_counts_half_days_as_half():
    sessions = [
        _day(4, "half_day"),
        _day(1, "day_release"),
        _day(2, "twilight"),
        _day(3, "day_release"),
        _day(5, "half_day"),
        _day(6, "online_live"),
    ]
    summary = release_summary(sessions, 18000)
    assert (summary.full_days, summary.half_days) == (2, 2)
    assert summary.day_equivalents == Decimal(3)
    assert summary.cost_pence == 54000
    assert [s.id for s in summary.sessions_needing_release] == [1, 3, 4, 5]
    assert [s.id for s in summary.sessions_after_school] == [2, 6]
    assert describe_release(summary, 18000) == (
        "3 days of release (2 full days and 2 half days) — about £540 of supply cover at £180 a day"
    )


def test_release_summary_with_odd_costs_and_no_release():
    summary = release_summary([_day(1, "half_day")], 18001)
    assert summary.day_equivalents == Decimal("0.5")
    assert summary.cost_pence == 9001  # half a penny rounds up
    assert describe_release(summary, 18001).startswith("half a day of release (1 half day) — about £90.01")
    none = release_summary([_day(1, "twilight")], 18000)
    assert (none.full_days, none.half_days, none.cost_pence) == (0, 0, 0)
    assert describe_release(none, 18000).startswith("No release")


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "£0"), (5, "£0.05"), (9050, "£90.50"), (18000, "£180"), (45000, "£450"), (108000, "£1,080")],
)
def test_format_pounds(pence, text):
    assert format_pounds(pence) == text


@pytest.mark.parametrize(
    ("days", "text"), [("0.5", "half a day"), ("1", "1 day"), ("2.5", "2.5 days"), ("3", "3 days")]
)
def test_format_days(days, text):
    assert format_days(Decimal(days)) == text


def test_build_ics_writes_uk_times_and_online_links():
    cohort = SimpleNamespace(name="Test cohort")
    online = _session(
        7,
        "online_live",
        datetime(2027, 6, 1, 15, 30, tzinfo=UTC),
        datetime(2027, 6, 1, 17, tzinfo=UTC),
        place=None,
        link="https://meet.example/x",
        modules=("M01", "M02"),
    )
    body = build_ics(cohort, [online, _day(1, "day_release")], now=datetime(2027, 1, 1, tzinfo=UTC))
    events = _events(body)
    assert [str(e["UID"]) for e in events] == ["session-1@waymark", "session-7@waymark"]
    assert b"DTSTART;TZID=Europe/London:20270601T163000" in body  # 15:30 UTC is 16:30 BST
    assert b"DTSTAMP:20270101T000000Z" in body
    assert str(events[1]["LOCATION"]) == "https://meet.example/x"
    assert str(events[1]["URL"]) == "https://meet.example/x"
    assert "Modules: M01, M02" in str(events[1]["DESCRIPTION"])
    assert str(events[0]["LOCATION"]) == "Room 1"
    assert "URL" not in events[0]

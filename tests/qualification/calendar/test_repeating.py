"""Repeating sessions: "every other Wednesday 16:30-18:00, 6 times", every date shown before any is added."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.db.timeutil import UK
from core.extensions import db
from qualification.calendar.rules import repeated_times, uk_when
from qualification.cohorts.models import CohortSession
from tests.support.demo import demo_ids, load_demo_data
from tests.support.html import form_of, page_text, signed_in
from tests.support.people import LEADER
from tests.support.sessions import twilight, wednesday

TITLE = "Fortnightly twilight"


@pytest.fixture
def demo(app):
    load_demo_data(app, cohort=True, content=False)
    cohort_id, _ = demo_ids(app)
    return SimpleNamespace(cohort_id=cohort_id, url=f"/cohorts/{cohort_id}/sessions/new")


def _added(app) -> list[tuple[datetime, datetime]]:
    with app.app_context():
        rows = db.session.scalars(
            select(CohortSession).where(CohortSession.title == TITLE).order_by(CohortSession.starts_at)
        )
        return [(s.starts_at, s.ends_at) for s in rows]


def _send(client, url, data: dict, *, follow=False):
    """Send the "Add a session" form as it stands on the page (its hidden fields too), with these values."""
    form = form_of(client, url, url).copy()
    for name, value in data.items():
        form.setlist(name, [value])
    return client.post(url, data=form, follow_redirects=follow)


def test_every_other_wednesday_six_times_shows_the_dates_then_adds_them_all(app, demo):
    leader = signed_in(app, LEADER)
    first = wednesday(2)
    data = twilight(first, title=TITLE, every_weeks="2", count="6")

    preview = _send(leader, demo.url, data)
    assert preview.status_code == 200
    text = page_text(preview)
    start = datetime(first.year, first.month, first.day, 16, 30, tzinfo=UK)
    expected = repeated_times(start, start + timedelta(minutes=90), every_weeks=2, count=6)
    assert "Check the 6 dates" in text
    shown = [uk_when(s, e) for s, e in expected]
    assert all(when in text for when in shown)
    assert [text.index(when) for when in shown] == sorted(text.index(when) for when in shown)
    assert "Add these 6 sessions" in text
    assert _added(app) == []  # nothing yet

    # Changed after looking: the new dates are shown, still nothing is added.
    changed = _send(leader, demo.url, {**data, "count": "3"} | {"planned": _planned(preview)})
    assert "Check the 3 dates" in page_text(changed)
    assert _added(app) == []

    done = _send(leader, demo.url, {**data, "planned": _planned(preview)}, follow=True)
    assert (
        f"6 sessions added to the calendar, from {shown[0].split(',')[0]} to {shown[-1].split(',')[0]}."
        in (page_text(done))
    )
    assert _added(app) == expected
    # Every one at 16:30 to 18:00 on the UK clock, two weeks apart.
    local = [(s.astimezone(UK), e.astimezone(UK)) for s, e in _added(app)]
    assert {(s.hour, s.minute, e.hour, e.minute, s.weekday()) for s, e in local} == {(16, 30, 18, 0, 2)}
    assert [(b[0].date() - a[0].date()).days for a, b in pairwise(local)] == [14] * 5


def _planned(response) -> str:
    return re.search(r'name="planned"[^>]*value="([^"]*)"', response.get_data(as_text=True)).group(1)


def test_repeats_keep_the_uk_clock_across_the_change_to_summer_time():
    # 16:30 on the UK clock every week from 17 March 2027: 16:30 GMT, then 16:30 BST (15:30 UTC).
    start = datetime(2027, 3, 17, 16, 30, tzinfo=UK)
    times = repeated_times(start, start + timedelta(hours=1), every_weeks=1, count=3)
    assert [s.astimezone(UK).strftime("%d %H:%M") for s, _ in times] == ["17 16:30", "24 16:30", "31 16:30"]
    assert [s.utcoffset() for s, _ in times] == [timedelta(0), timedelta(0), timedelta(hours=1)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": "41"}, "Add 1 to 40 sessions at a time."),
        ({"count": "0"}, "Add 1 to 40 sessions at a time."),
        ({"every_weeks": "13"}, "Repeat every 1 to 12 weeks."),
        (
            {"starts_at": "2026-09-02T16:30", "ends_at": "2026-09-02T18:00"},
            "The cohort starts on 18 September 2026: a session cannot be before then.",
        ),
        ({"ends_at": "{day}T16:00"}, "The session must end after it starts."),
    ],
)
def test_a_bad_repeat_is_refused_and_adds_nothing(app, demo, changes, message):
    first = wednesday(2)
    data = twilight(first, title=TITLE, every_weeks="2", count="6")
    typed = {name: value.format(day=date.isoformat(first)) for name, value in changes.items()}
    refused = _send(signed_in(app, LEADER), demo.url, {**data, **typed})
    assert refused.status_code == 422
    assert message in page_text(refused)
    assert "Add these" not in page_text(refused)
    assert _added(app) == []

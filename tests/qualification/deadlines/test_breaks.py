"""A break in learning moves a candidate's deadlines wherever they are worked out: their home panel and
deadlines page, their calendar feed (same UID, higher SEQUENCE), the reminders (none while away) and the
decision on a request for more time."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from core.extensions import db
from core.notifications.models import Notification
from qualification.deadlines.models import ModuleDeadline
from qualification.deadlines.rules import deadline_uid, long_date
from tests.qualification.deadlines.test_feeds import _personal_feed
from tests.support.deadlines import ask, decide, extensions, in_days, leader_sets
from tests.support.html import page_text, signed_in
from tests.support.membership import days_ago, joined_days_ago, record_return, start_break
from tests.support.people import CHRIS, JO, LEADER, MORGAN


def _away(app, demo, who: str, starts: int, back: int | None = None) -> None:
    """The course leader records a break that began `starts` days ago (and the return `back` days ago)."""
    joined_days_ago(app, demo.cohort_id)
    leader = signed_in(app, LEADER)
    start_break(leader, demo.cohort_id, demo.ids[who], starts_on=days_ago(starts))
    if back is not None:
        record_return(leader, demo.cohort_id, demo.ids[who], days_ago(back))


def _feed_event(client, app, demo, deadline: int):
    body = app.test_client().get(_personal_feed(client, demo.cohort_id)).data
    (event,) = [
        e
        for e in Calendar.from_ical(body).walk("VEVENT")
        if str(e["UID"]) == deadline_uid(deadline, demo.ids[JO])
    ]
    return event


def test_a_break_moves_the_candidates_deadline_on_their_pages_and_in_their_feed(app, demo):
    due = in_days(20)
    deadline = leader_sets(app, demo, "M01", due)
    jo = signed_in(app, JO)
    before = _feed_event(jo, app, demo, deadline)
    assert before.decoded("DTSTART") == due

    _away(app, demo, JO, starts=10)
    # Away for 10 days so far, today included: the deadline moves on a day each day she is away.
    away = due + timedelta(days=11)
    assert f"due {long_date(away)}" in page_text(jo.get("/"))
    during = _feed_event(jo, app, demo, deadline)
    assert during.decoded("DTSTART") == away
    assert int(during["SEQUENCE"]) > int(before["SEQUENCE"])

    record_return(signed_in(app, LEADER), demo.cohort_id, demo.ids[JO])
    moved = due + timedelta(days=10)
    home = page_text(jo.get("/"))
    assert f"due {long_date(moved)}" in home
    assert f"moved on by your break in learning from {long_date(due)}" in home
    mine = page_text(jo.get(demo.url))
    assert f"{long_date(moved)} Moved on by your break in learning from {long_date(due)}" in mine
    after = _feed_event(jo, app, demo, deadline)
    assert after.decoded("DTSTART") == moved
    assert int(after["SEQUENCE"]) > int(during["SEQUENCE"])
    assert "Moved on by your break in learning" in str(after["DESCRIPTION"])
    # Chris had no break: his deadline is the cohort's.
    assert f"due {long_date(due)}" in page_text(signed_in(app, CHRIS).get("/"))


def _reminders(app) -> list[tuple[int, str]]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Notification.user_id, Notification.title).where(
                    Notification.kind == "deadline_reminder"
                )
            ).all()
        )


def test_a_candidate_back_from_a_break_is_reminded_of_their_moved_deadline_and_none_while_away(
    app, runner, demo
):
    # The cohort's M01 deadline passed two days ago (the form refuses a past date: the past is data).
    with app.app_context():
        db.session.add(ModuleDeadline(cohort_id=demo.cohort_id, module_code="M01", due_on=in_days(-2)))
        db.session.commit()
    _away(app, demo, JO, starts=20, back=11)  # 9 days away: Jo's deadline is a week ahead
    _away(app, demo, MORGAN, starts=5)  # still away: his deadline stands still until he is back

    result = runner.invoke(args=["deadlines", "remind"])

    assert result.output.strip() == "1 reminder(s) sent"
    assert _reminders(app) == [
        (demo.ids[JO], f"Reminder: M01 is due in 7 days, {long_date(in_days(7))}"),
    ]


def test_an_extension_is_decided_against_the_deadline_the_break_moved(app, demo):
    deadline = leader_sets(app, demo, "M01", in_days(5))
    _away(app, demo, JO, starts=10, back=0)  # back today: her deadline is 15 days ahead
    jo = signed_in(app, JO)
    # A date before her moved deadline is no extension; a later one is.
    refused = page_text(ask(jo, demo, deadline, in_days(12), "Inspection week"))
    assert f"Propose a date after your current deadline, {long_date(in_days(15))}." in refused
    ask(jo, demo, deadline, in_days(25), "Inspection week")
    (request,) = extensions(app)
    leader = signed_in(app, LEADER)
    shown = page_text(leader.get(f"/cohorts/{demo.cohort_id}/extensions/{request.id}"))
    assert f"Jo Patel's deadline now {long_date(in_days(15))}" in shown

    answer = decide(leader, demo, request.id, "Grant the extension", {"until": in_days(10).isoformat()})

    assert (
        f"The new deadline must be after the candidate's current deadline, {long_date(in_days(15))}."
        in page_text(answer)
    )
    assert extensions(app)[0].status == "requested"

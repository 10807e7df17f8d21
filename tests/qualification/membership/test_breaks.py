"""A break in learning, as the course leader records it on the candidate's membership page and as the
candidate then sees their home page; the return; bad input and other people refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from qualification.demo import DEMO_COHORT
from tests.support.demo import demo_fixture, demo_ids
from tests.support.evidence import audit_rows
from tests.support.html import csrf_from, page_text, press, signed_in
from tests.support.membership import (
    breaks,
    days_ago,
    jo_joined_in_the_demo,
    member_row,
    membership_url,
    record_return,
    start_break,
    today,
)
from tests.support.people import JO, LEADER, TOM

ON_A_BREAK = "You are on a break in learning from"


demo = demo_fixture(jo_joined_in_the_demo)


def test_course_leader_can_suspend_a_candidate_from_the_cohort_page(demo):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    cohort_page = leader.get(f"/cohorts/{cohort}").get_data(as_text=True)
    link = re.search(
        r'<a href="([^"]+)">Break, withdraw or move<span class="visually-hidden"> Jo Patel', cohort_page
    )
    assert link
    assert link.group(1) == membership_url(cohort, jo)

    shown = page_text(start_break(leader, cohort, jo, starts_on=days_ago(3), reason="Maternity leave"))

    starts = today() - timedelta(days=3)
    assert f"Jo Patel is on a break in learning from {starts:%-d %B %Y}." in shown
    assert "Where they stand On a break in learning" in shown
    assert "Reason for the break Maternity leave" in shown
    back = today() + timedelta(days=30)
    assert breaks(app, cohort, jo) == [(starts, back, None, "Maternity leave")]
    assert member_row(app, cohort, jo)["status"] == "suspended"
    (row,) = audit_rows(app, "candidate_suspended")
    assert (row["candidate_id"], row["reason"], row["starts_on"]) == (
        jo,
        "Maternity leave",
        starts.isoformat(),
    )
    assert "On a break in learning" in page_text(leader.get(f"/cohorts/{cohort}"))


def test_a_suspended_candidate_sees_a_clear_message_on_their_home_page(demo):
    app, cohort, jo = demo
    candidate = signed_in(app, JO)
    assert ON_A_BREAK not in page_text(candidate.get("/"))
    start_break(signed_in(app, LEADER), cohort, jo, starts_on=days_ago(1))

    home = page_text(candidate.get("/"))

    ((starts, back, _, _),) = breaks(app, cohort, jo)
    assert (
        f"{ON_A_BREAK} {DEMO_COHORT}, since {starts:%-d %B %Y}. You are expected back on {back:%-d %B %Y}."
        in home
    )
    assert "Your deadlines are paused and so is the clock on any work waiting for your assessor" in home
    assert "Nothing you have done is lost." in home


def test_course_leader_records_the_return_and_the_candidate_carries_on(demo):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    start_break(leader, cohort, jo, starts_on=days_ago(10))

    shown = page_text(record_return(leader, cohort, jo, days_ago(2)))

    came_back = today() - timedelta(days=2)
    assert f"Jo Patel is back from {came_back:%-d %B %Y} and carries on where they stopped." in shown
    assert "Where they stand Studying" in shown
    assert breaks(app, cohort, jo)[0][2] == came_back
    assert member_row(app, cohort, jo)["status"] == "active"
    (row,) = audit_rows(app, "candidate_returned")
    assert (row["candidate_id"], row["days_away"]) == (jo, 8)
    assert ON_A_BREAK not in page_text(signed_in(app, JO).get("/"))
    # A second break can follow the first, not overlap it.
    refused = page_text(start_break(leader, cohort, jo, starts_on=days_ago(5)))
    assert f"The break cannot begin before their last break ended ({came_back:%-d %B %Y})." in refused
    assert len(breaks(app, cohort, jo)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"starts_on": days_ago(-1)},
            "Record a break from the day it begins: enter today's date or an earlier one.",
        ),
        ({"starts_on": ""}, "Enter the first day of the break."),
        ({"back_on": days_ago(1)}, "They are expected back after the break begins: enter a later date."),
        ({"back_on": ""}, "Enter the day they are expected back."),
        ({"reason": "   "}, "Give the reason: it stays in the candidate's record."),
        ({"reason": "x" * 2001}, "Keep the reason to 2,000 characters."),
        ({"starts_on": "2020-01-01"}, "The break cannot begin before Jo Patel joined the cohort"),
    ],
)
def test_a_break_with_bad_input_is_refused_and_nothing_changes(demo, changes, message):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    response = start_break(leader, cohort, jo, **changes)
    assert response.status_code == 422
    assert message in page_text(response)
    assert breaks(app, cohort, jo) == []
    assert member_row(app, cohort, jo)["status"] == "active"
    assert audit_rows(app, "candidate_suspended") == []


@pytest.mark.parametrize(
    ("returned_on", "message"),
    [
        (lambda: days_ago(6), "They came back after the break began"),
        (lambda: days_ago(-1), "Record a return on the day it happens or after"),
        (lambda: "", "Enter the day they came back."),
    ],
)
def test_a_return_with_a_bad_date_is_refused_and_the_break_goes_on(demo, returned_on, message):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    start_break(leader, cohort, jo, starts_on=days_ago(5))
    response = record_return(leader, cohort, jo, returned_on())
    assert response.status_code == 422
    assert message in page_text(response)
    assert breaks(app, cohort, jo)[0][2] is None
    assert member_row(app, cohort, jo)["status"] == "suspended"


def test_a_candidate_already_on_a_break_cannot_be_given_another(demo):
    app, cohort, jo = demo
    leader = signed_in(app, LEADER)
    page = leader.get(membership_url(cohort, jo))  # opened before the first break was recorded
    start_break(leader, cohort, jo)
    response = press(
        leader,
        page,
        "Start the break",
        {"break-starts_on": days_ago(0), "break-expected_return_on": days_ago(-9), "break-reason": "Again"},
    )
    assert response.status_code == 409
    assert (
        "Jo Patel is on a break in learning in this cohort, so a break cannot be recorded now."
        in page_text(response)
    )
    assert len(breaks(app, cohort, jo)) == 1


@pytest.mark.parametrize("who", [TOM, JO])
def test_only_course_leaders_can_record_a_break(demo, who):
    app, cohort, jo = demo
    other = signed_in(app, who)
    assert other.get(membership_url(cohort, jo)).status_code == 403
    # The form as the leader's page holds it, sent with the other person's own (valid) token.
    data = {
        "csrf_token": csrf_from(other.get("/account").get_data(as_text=True)),
        "break-starts_on": days_ago(0),
        "break-expected_return_on": days_ago(-5),
        "break-reason": "Mine",
    }
    assert other.post(membership_url(cohort, jo) + "/break", data=data).status_code == 403
    assert breaks(app, cohort, jo) == []
    assert member_row(app, cohort, jo)["status"] == "active"


def test_a_membership_page_of_someone_not_in_the_cohort_is_not_found(demo):
    app, cohort, _ = demo
    _, people = demo_ids(app)
    leader = signed_in(app, LEADER)
    assert leader.get(membership_url(cohort, people[TOM])).status_code == 404  # staff, not a candidate
    assert leader.get(membership_url(cohort + 99, people[JO])).status_code == 404

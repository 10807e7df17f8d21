"""A course leader copies a cohort for next year: its settings, staff, allocation rule, closure days (the same
dates a year on) and sessions (52 weeks on: the same weekday at the same UK time), never its candidates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.db.timeutil import UK
from core.extensions import db
from qualification.cohorts.models import Cohort, CohortClosure, CohortMember, MemberRole
from qualification.demo import DEMO_COHORT
from qualification.settings.rules import moment_a_year_on, next_years_name, same_date_next_year
from tests.support.demo import demo_fixture, demo_ids, load_study_demo
from tests.support.html import page_text, press, signed_in
from tests.support.people import LEADER

COPY = "Copy the cohort"


demo = demo_fixture(load_study_demo)


def _cohorts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Cohort))


def _snapshot(cohort: Cohort) -> dict:
    return {
        "staff": sorted((m.user_id, m.role) for m in cohort.members if m.role != MemberRole.CANDIDATE),
        "candidates": sorted(m.user_id for m in cohort.members if m.role == MemberRole.CANDIDATE),
        "sessions": [
            (s.kind, s.title, s.starts_at.astimezone(UK), s.ends_at.astimezone(UK), s.place, s.capacity)
            for s in cohort.sessions
        ],
        "closures": [(c.first_day, c.last_day, c.label) for c in cohort.closures],
        "settings": (
            cohort.version_id,
            cohort.award_code,
            cohort.allocation_rule,
            cohort.turnaround_days,
            cohort.supply_cost_pence,
        ),
    }


def test_course_leader_copies_a_cohort_for_next_year(demo):
    cohort_id, _ = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    settings = leader.get(f"/cohorts/{cohort_id}/settings")
    press(
        leader,
        settings,
        "Add the closure",
        {"closure-first_day": "2026-12-24", "closure-last_day": "2027-01-02", "closure-label": "Christmas"},
    )
    press(
        leader,
        leader.get(f"/cohorts/{cohort_id}/settings"),
        "Save the settings",
        {"allocation_rule": "manual"},
    )

    page = leader.get(f"/cohorts/{cohort_id}/copy")
    shown = page_text(page)
    assert "It starts on Friday 17 September 2027." in shown
    assert 'value="Certificate 2027-28, Northmoor"' in page.get_data(as_text=True)
    copied = page_text(press(leader, page, COPY))
    assert "Certificate 2027-28, Northmoor is ready: it starts on Friday 17 September 2027" in copied
    assert "Candidates (0)" in copied

    with demo.app_context():
        old = db.session.get(Cohort, cohort_id)
        new = db.session.scalar(select(Cohort).where(Cohort.name == "Certificate 2027-28, Northmoor"))
        was, now = _snapshot(old), _snapshot(new)
        assert new.start_date == old.start_date + timedelta(weeks=52)
        assert new.start_date.weekday() == old.start_date.weekday()
        assert new.choice_deadline == old.choice_deadline + timedelta(weeks=52)
        assert new.calendar_token is None
        assert new.course_leader_id == old.course_leader_id
        assert now["settings"] == was["settings"]
        assert was["settings"][2] == "manual"
        assert now["staff"] == was["staff"]
        assert len(now["staff"]) == 4  # two assessors, two IQA memberships (Helen holds both)
        assert was["candidates"]
        assert now["candidates"] == []
        assert now["closures"] == [(date(2027, 12, 24), date(2028, 1, 2), "Christmas")]
        assert len(now["sessions"]) == len(was["sessions"]) > 0
        for (kind, title, start, end, place, cap), (kind2, title2, start2, end2, place2, cap2) in zip(
            was["sessions"], now["sessions"], strict=True
        ):
            assert (kind2, title2, place2, cap2) == (kind, title, place, cap)
            assert start2.date() == start.date() + timedelta(weeks=52)
            assert start2.weekday() == start.weekday()
            assert (start2.time(), end2.time()) == (start.time(), end.time())
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort_copied"))
        details = json.loads(event.details_json)
        assert details["from_cohort_id"] == cohort_id
        assert (details["sessions"], details["staff"], details["closures"]) == (len(was["sessions"]), 4, 1)
        assert event.object_id == str(new.id)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (DEMO_COHORT, f"Give the copy a name of its own: this cohort is already called {DEMO_COHORT}."),
        (DEMO_COHORT.upper(), "Give the copy a name of its own"),
        ("  ", "Give the cohort a name of up to 200 characters."),
        ("x" * 201, "Give the cohort a name of up to 200 characters."),
    ],
)
def test_course_leader_cannot_copy_a_cohort_without_a_name_of_its_own(demo, name, message):
    cohort_id, _ = demo_ids(demo)
    leader = signed_in(demo, LEADER)
    before = _cohorts(demo)
    response = press(leader, leader.get(f"/cohorts/{cohort_id}/copy"), COPY, {"name": name}, follow=False)
    assert response.status_code == 422
    assert message in page_text(response)
    assert _cohorts(demo) == before
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(CohortClosure)) == 0
        assert (
            db.session.scalar(
                select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id != cohort_id)
            )
            == 0
        )


def test_a_session_keeps_its_uk_clock_time_when_the_clocks_change_between_the_years():
    # Monday 26 October 2026 is after the clocks go back; Monday 25 October 2027 is before they do.
    twilight = datetime(2026, 10, 26, 16, 30, tzinfo=UK).astimezone(UTC)
    moved = moment_a_year_on(twilight).astimezone(UK)
    assert (moved.date(), moved.hour, moved.minute) == (date(2027, 10, 25), 16, 30)
    assert moved.utcoffset() == timedelta(hours=1)


def test_closure_dates_and_names_move_on_a_year():
    assert same_date_next_year(date(2028, 2, 29)) == date(2029, 2, 28)
    assert next_years_name("Certificate 2026/27, Northmoor") == "Certificate 2027/28, Northmoor"
    assert next_years_name("MA cohort 12 (2026)") == "MA cohort 12 (2027)"
    assert next_years_name("Spring intake") == "Spring intake"

"""The cohort report's figures (`qualification/results/rules/figures.py`), pure."""

from __future__ import annotations

from datetime import date

import pytest

from qualification.results.rules.figures import (
    INVITED,
    JOINED,
    calendar_progress,
    credit_bands,
    last_sessions,
    membership_state,
    per_week,
    states_in_order,
    turnaround_by_assessor,
    week_of,
    weeks_between,
)


@pytest.mark.parametrize(
    ("joined", "status", "said"),
    [
        (True, None, JOINED),
        (False, None, INVITED),
        (True, "On a break in learning", "On a break in learning"),
        (False, "Withdrawn", "Withdrawn"),
    ],
)
def test_membership_is_said_in_words(joined, status, said):
    assert membership_state(joined, status) == said


def test_states_are_offered_invited_and_joined_first():
    assert states_in_order(["Withdrawn", JOINED, "Suspended", INVITED, JOINED]) == [
        INVITED,
        JOINED,
        "Suspended",
        "Withdrawn",
    ]


def test_credits_are_counted_in_the_steps_modules_come_in():
    assert credit_bands([0, 0, 15, 60], step=15, goal=60) == [
        ("0", 2),
        ("15", 1),
        ("30", 0),
        ("45", 0),
        ("60", 1),
    ]
    assert credit_bands([]) == []


def test_many_credit_totals_are_grouped_in_whole_steps():
    bands = credit_bands([0, 15, 30, 180], step=15, goal=180)
    assert bands[0] == ("0", 1)
    assert bands[1] == ("1-30", 2)
    assert len(bands) <= 12
    assert sum(n for _, n in bands) == 4


def test_days_are_counted_by_the_week_they_fall_in():
    assert week_of(date(2027, 1, 10)) == date(2027, 1, 4)  # a Sunday belongs to the week from Monday
    weeks = weeks_between(date(2027, 1, 6), date(2027, 1, 20))
    assert weeks == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]
    assert per_week([date(2027, 1, 4), date(2027, 1, 10), date(2027, 1, 18), date(2026, 1, 1)], weeks) == [
        2,
        0,
        1,
    ]


def test_turnaround_is_each_assessors_median_slowest_first():
    found = turnaround_by_assessor([("Tom", 2), ("Helen", 10), ("Tom", 4), ("Tom", 30), ("Helen", 11)])
    assert [(t.assessor, t.median_days, t.decisions) for t in found] == [("Helen", 10.5, 2), ("Tom", 4.0, 3)]


def test_progress_is_measured_against_the_last_session_of_each_module():
    taught = last_sessions(
        [(date(2027, 1, 5), ["M01"]), (date(2027, 1, 19), ["M01", "M02"]), (date(2027, 1, 12), [])]
    )
    assert taught == {"M01": date(2027, 1, 19), "M02": date(2027, 1, 19)}
    weeks = weeks_between(date(2027, 1, 4), date(2027, 1, 18))
    finished, average = calendar_progress(
        weeks, taught, [{"M01": date(2027, 1, 6)}, {"M01": date(2027, 1, 20), "M02": date(2027, 1, 21)}, {}]
    )
    assert finished == [0, 0, 2]
    assert average == [round(1 / 3, 2), round(1 / 3, 2), 1.0]

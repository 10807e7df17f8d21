"""The pure rules of deadlines, as tables: a candidate's own deadline, late and overdue, which reminder is
due, how near a deadline reads, and which dates may be set, proposed or granted."""

from __future__ import annotations

from datetime import date

import pytest

from qualification.deadlines.rules import (
    deadline_problem,
    due_words,
    grant_problem,
    is_late,
    is_overdue,
    personal_deadline,
    proposal_problem,
    reminder_due,
)

MAR_1, MAR_10, MAR_15 = date(2027, 3, 1), date(2027, 3, 10), date(2027, 3, 15)


@pytest.mark.parametrize(
    ("cohort", "extension", "paused", "expected"),
    [
        (MAR_1, None, 0, MAR_1),
        (MAR_1, MAR_10, 0, MAR_10),
        # The cohort's deadline moved past an old extension: the later date counts.
        (MAR_15, MAR_10, 0, MAR_15),
        # A break in learning moves the deadline on by the days paused (the extended one, if any).
        (MAR_1, None, 14, MAR_15),
        (MAR_1, MAR_10, 5, MAR_15),
        (MAR_1, None, -3, MAR_1),
    ],
)
def test_personal_deadline(cohort, extension, paused, expected):
    assert personal_deadline(cohort, extension, paused) == expected


@pytest.mark.parametrize(
    ("handed_in", "late"), [(date(2027, 2, 28), False), (MAR_1, False), (date(2027, 3, 2), True)]
)
def test_work_handed_in_on_the_day_is_on_time(handed_in, late):
    assert is_late(handed_in, MAR_1) is late
    assert is_overdue(MAR_1, handed_in) is late


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 2, 21), None),  # 8 days ahead
        (date(2027, 2, 22), 7),  # a week ahead
        (date(2027, 2, 27), 7),  # 2 days ahead: the week's reminder, if it was never sent
        (date(2027, 2, 28), 1),  # the day before
        (MAR_1, 1),  # on the day
        (date(2027, 3, 2), None),  # passed
    ],
)
def test_which_reminder_is_due(today, expected):
    assert reminder_due(MAR_1, today) == expected


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (MAR_1, "due today"),
        (date(2027, 2, 28), "due tomorrow"),
        (date(2027, 2, 24), "in 5 days"),
        (date(2027, 3, 2), "1 day overdue"),
        (date(2027, 3, 4), "3 days overdue"),
    ],
)
def test_how_near_a_deadline_reads(today, words):
    assert due_words(MAR_1, today) == words


TODAY = date(2027, 2, 1)


@pytest.mark.parametrize(
    ("check", "value", "message"),
    [
        (lambda d: deadline_problem(d, today=TODAY, starts_on=date(2026, 9, 18)), MAR_1, None),
        (
            lambda d: deadline_problem(d, today=TODAY, starts_on=date(2026, 9, 18)),
            None,
            "Enter the deadline.",
        ),
        (
            lambda d: deadline_problem(d, today=TODAY, starts_on=date(2026, 9, 18)),
            date(2027, 1, 31),
            "The deadline cannot be in the past: today is Monday 1 February 2027.",
        ),
        (
            lambda d: deadline_problem(d, today=TODAY, starts_on=MAR_10),
            MAR_1,
            "The deadline cannot be before the cohort starts on Wednesday 10 March 2027.",
        ),
        (lambda d: proposal_problem(d, today=TODAY, current=MAR_1), MAR_10, None),
        (
            lambda d: proposal_problem(d, today=TODAY, current=MAR_1),
            MAR_1,
            "Propose a date after your current deadline, Monday 1 March 2027.",
        ),
        (
            lambda d: proposal_problem(d, today=TODAY, current=date(2027, 1, 20)),
            date(2027, 1, 25),
            "The date you propose is in the past: today is Monday 1 February 2027.",
        ),
        (lambda d: grant_problem(d, today=TODAY, current=MAR_1), date(2027, 3, 2), None),
        (
            lambda d: grant_problem(d, today=TODAY, current=MAR_1),
            date(2027, 2, 20),
            "The new deadline must be after the candidate's current deadline, Monday 1 March 2027.",
        ),
        (lambda d: grant_problem(d, today=TODAY, current=MAR_1), None, "Enter the new deadline."),
    ],
)
def test_dates_people_type(check, value, message):
    assert check(value) == message

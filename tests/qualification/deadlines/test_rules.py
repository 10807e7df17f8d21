"""The pure rules of deadlines, as tables: a candidate's own deadline, late and overdue, which reminder is
due, how near a deadline reads, and which dates may be set, proposed or granted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qualification.cohorts.rules import BreakSpan
from qualification.deadlines.rules import (
    breaks_sequence,
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


FEB_20, FEB_27 = date(2027, 2, 20), date(2027, 2, 27)


@pytest.mark.parametrize(
    ("cohort", "extension", "breaks", "expected"),
    [
        (MAR_1, None, (), MAR_1),
        (MAR_1, MAR_10, (), MAR_10),
        # The cohort's deadline moved past an old extension: the later date counts.
        (MAR_15, MAR_10, (), MAR_15),
        # A break in learning moves the deadline on by its days (the extended one, if any).
        (MAR_1, None, [BreakSpan(FEB_20, date(2027, 3, 6))], MAR_15),
        (MAR_1, MAR_10, [BreakSpan(FEB_27, date(2027, 3, 4))], MAR_15),
        # A break begun after the deadline had passed moves nothing.
        (MAR_1, None, [BreakSpan(date(2027, 3, 2), MAR_10)], MAR_1),
        # An open break has lasted up to today (MAR_10 here): the deadline moves a day each day.
        (MAR_1, None, [BreakSpan(FEB_27, None)], date(2027, 3, 13)),
    ],
)
def test_personal_deadline(cohort, extension, breaks, expected):
    assert personal_deadline(cohort, extension, breaks, today=MAR_10) == expected


def test_a_deadline_moved_by_an_open_break_needs_today():
    with pytest.raises(ValueError, match="today"):
        personal_deadline(MAR_1, None, [BreakSpan(FEB_27, None)])


def test_the_calendar_sequence_of_breaks_never_falls_while_the_date_moves():
    away = [BreakSpan(FEB_20, None)]
    day = FEB_20
    seen = [breaks_sequence([], day)]
    while day < MAR_10:
        seen.append(breaks_sequence(away, day))
        day += timedelta(days=1)
    # Back on MAR_10, recorded on MAR_10; and recorded then backdated to 1 March.
    seen.append(breaks_sequence([BreakSpan(FEB_20, MAR_10)], MAR_10))
    assert seen == sorted(set(seen))
    assert breaks_sequence([BreakSpan(FEB_20, MAR_1)], MAR_10) > breaks_sequence(away, MAR_10)


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

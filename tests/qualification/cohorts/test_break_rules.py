"""The pure rules of a break in learning: which days it covers, how many it pauses, how far it moves a
deadline; and the queue's working-day clock with breaks (its cutoff agrees with its overdue test)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from assessors.queue.rules import (
    days_waited,
    due_date,
    is_overdue,
    is_working_day,
    overdue_cutoff,
    start_of_uk_day,
    working_days_between,
)
from qualification.cohorts.rules import BreakSpan, on_break, paused_days, shift_for_breaks

D = date
AWAY = BreakSpan(D(2027, 3, 1), D(2027, 3, 15))  # Monday 1 March to Sunday 14 March; back Monday 15th


def test_a_break_covers_its_first_day_up_to_not_including_the_day_they_came_back():
    assert not on_break([AWAY], D(2027, 2, 28))
    assert on_break([AWAY], D(2027, 3, 1))
    assert on_break([AWAY], D(2027, 3, 14))
    assert not on_break([AWAY], D(2027, 3, 15))
    assert on_break([BreakSpan(D(2027, 3, 1))], D(2030, 1, 1))  # still away


@pytest.mark.parametrize(
    ("until", "since", "working", "expected"),
    [
        (D(2027, 3, 31), None, False, 14),
        (D(2027, 3, 5), None, False, 5),
        (D(2027, 3, 31), D(2027, 3, 10), False, 4),  # 11th to 14th: the days after `since`
        (D(2027, 3, 31), None, True, 10),  # two working weeks
        (D(2027, 2, 27), None, False, 0),
    ],
)
def test_paused_days_counts_the_break_days_in_the_window(until, since, working, expected):
    counts = is_working_day if working else None
    assert paused_days([AWAY], until, since=since, counts=counts) == expected


def test_an_open_break_pauses_every_day_up_to_the_day_asked_and_overlaps_count_once():
    still_away = BreakSpan(D(2027, 3, 10))
    assert paused_days([still_away], D(2027, 3, 12)) == 3
    assert paused_days([AWAY, still_away], D(2027, 3, 20)) == 14 + 6  # 1st-14th, then 15th-20th


@pytest.mark.parametrize(
    ("due", "breaks", "today", "expected"),
    [
        # Away for the 14 days before the deadline: it moves 14 days later.
        (D(2027, 3, 20), [AWAY], D(2027, 4, 1), D(2027, 4, 3)),
        # Due on the first day away: due on the day they come back.
        (D(2027, 3, 1), [AWAY], D(2027, 4, 1), D(2027, 3, 15)),
        # A break after the deadline had passed does not move it.
        (D(2027, 2, 26), [AWAY], D(2027, 4, 1), D(2027, 2, 26)),
        # Still away: a day later every day (four days so far, 1st to 4th).
        (D(2027, 3, 20), [BreakSpan(D(2027, 3, 1))], D(2027, 3, 4), D(2027, 3, 24)),
        # A second break that begins before the moved deadline moves it again.
        (D(2027, 3, 20), [AWAY, BreakSpan(D(2027, 3, 30), D(2027, 4, 2))], D(2027, 5, 1), D(2027, 4, 6)),
    ],
)
def test_a_deadline_moves_on_by_the_breaks_that_began_before_it(due, breaks, today, expected):
    assert shift_for_breaks(due, breaks, today=today) == expected


def test_the_time_left_when_the_break_began_is_the_time_left_on_return():
    rng = random.Random(12)
    for _ in range(200):
        start = D(2027, 1, 1) + timedelta(days=rng.randrange(200))
        back = start + timedelta(days=rng.randrange(0, 60))
        due = start + timedelta(days=rng.randrange(0, 40))
        moved = shift_for_breaks(due, [BreakSpan(start, back)], today=back)
        assert (moved - back).days == (due - start).days


# The queue's clock with breaks ----------------------------------------------------------------------------


def test_days_waited_leave_out_the_working_days_of_a_break():
    arrived = start_of_uk_day(D(2027, 2, 22)) + timedelta(hours=10)  # Monday 22 February
    today = D(2027, 3, 19)  # Friday
    assert days_waited(arrived, today) == working_days_between(D(2027, 2, 22), today) == 19
    assert days_waited(arrived, today, breaks=[AWAY]) == 19 - 10
    assert due_date(arrived, 15) == D(2027, 3, 15)
    # Two weeks later, and past Good Friday (26 March 2027) and Easter Monday.
    assert due_date(arrived, 15, breaks=[AWAY]) == D(2027, 3, 31)
    assert not is_overdue(
        arrived, 5, D(2027, 3, 10), breaks=[BreakSpan(D(2027, 3, 1))]
    )  # away: never overdue
    assert overdue_cutoff(5, D(2027, 3, 10), breaks=[BreakSpan(D(2027, 3, 1))]) is None


def test_overdue_is_exactly_before_the_cutoff_with_a_break_behind():
    rng = random.Random(13)
    for _ in range(200):
        today = D(2027, 1, 1) + timedelta(days=rng.randrange(300))
        target = rng.randrange(1, 30)
        start = today - timedelta(days=rng.randrange(1, 80))
        away = [BreakSpan(start, start + timedelta(days=rng.randrange(1, 40)))]
        if on_break(away, today):
            continue
        cutoff = overdue_cutoff(target, today, breaks=away)
        for back in range(0, 120, 5):
            arrived = start_of_uk_day(today - timedelta(days=back)) + timedelta(hours=rng.randrange(24))
            assert is_overdue(arrived, target, today, breaks=away) == (arrived < cutoff), (
                today,
                target,
                away,
                back,
            )


def test_closure_days_inside_a_break_are_not_left_out_twice():
    # A cohort closed on Wednesday 3 and Thursday 4 March, while the candidate was away 1-14 March: the clock
    # loses the break's ten working days, not twelve.
    closed = frozenset({D(2027, 3, 3), D(2027, 3, 4)})
    arrived = start_of_uk_day(D(2027, 2, 22)) + timedelta(hours=10)
    today = D(2027, 3, 19)
    assert days_waited(arrived, today, closed) == 19 - 2
    assert days_waited(arrived, today, closed, breaks=[AWAY]) == 19 - 10
    rng = random.Random(7)
    for _ in range(100):
        target = rng.randrange(1, 25)
        cutoff = overdue_cutoff(target, today, closed, breaks=[AWAY])
        for back in range(0, 60, 3):
            when = start_of_uk_day(today - timedelta(days=back)) + timedelta(hours=rng.randrange(24))
            assert is_overdue(when, target, today, closed, breaks=[AWAY]) == (when < cutoff)

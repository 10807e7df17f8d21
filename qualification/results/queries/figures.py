"""The cohort report's charts, for the candidates the page shows: credits distribution, submissions and
decisions per week, turnaround by assessor, and progress against the calendar.

The numbers are counted in the database for every candidate the filters keep, not read a row per candidate:
the report's credits and first achievements (cohort.py), the events a higher package registered and counted
(`ReportActivity`, per UK day) and the cohort's sessions (one query); rules/figures.py works them out and
core/web/charts.py lays them out. Each chart carries a sentence that says what it shows (its SVG <desc>) and
its figures as a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import gcd

from sqlalchemy import select

from core.db.timeutil import UK
from core.extensions import db
from core.web.charts import Chart, Figures, Series, bar_chart, line_chart, nothing, number, with_figures
from core.web.words import plural
from qualification.cohorts.models import CohortSession, SessionStatus
from qualification.results.queries.cohort import CohortReport
from qualification.results.queries.report import ReportActivity
from qualification.results.rules.figures import (
    calendar_progress_counted,
    credit_bands,
    last_sessions,
    per_week,
    turnaround_by_assessor,
    weeks_between,
)

WEEKS_SHOWN = 52  # submissions and decisions: the last year, one bar pair a week


@dataclass(frozen=True)
class Figure:
    id: str  # for the page's element ids
    chart: Chart
    empty: str  # what the page says when there is nothing to draw


def report_figures(report: CohortReport, activity: ReportActivity, today: date) -> list[Figure]:
    return [
        Figure("credits", _credits(report), "No candidates to count."),
        Figure("weekly", _weekly(activity, today), "Nothing has been submitted or decided yet."),
        Figure("turnaround", _turnaround(report, activity), "No decisions have been made yet."),
        Figure("calendar", _calendar(report, today), _starts(report)),
    ]


def _starts(report: CohortReport) -> str:
    return f"The cohort starts on {_day(report.cohort.start_date)}."


def _day(day: date) -> str:
    return day.strftime("%-d %b %Y")


def _credits(report: CohortReport) -> Chart:
    sizes = [m.credits for m in report.spec.modules]
    goal = report.award.credits if report.award else 0
    counts = report.credits
    bands = credit_bands(counts, gcd(*sizes) if sizes else 1, goal)
    n = report.totals.candidates
    none = counts.get(0, 0)
    award = report.award
    said = [f"Credits achieved by {plural(n, 'candidate')}: {none} with none yet"]
    if award is not None:
        reached = sum(k for credits, k in counts.items() if credits >= award.credits)
        said.append(f"{reached} with the {award.credits} the award needs")
    if bands:
        label, most = max(bands, key=lambda band: band[1])
        said.append(f"most often {label} credits ({plural(most, 'candidate')})")
    return bar_chart(
        Figures(
            "Credits achieved",
            "; ".join(said) + ".",
            [label for label, _ in bands],
            [Series("Candidates", [count for _, count in bands])],
            "Credits",
            "Candidates",
        )
    )


def _weeks(
    title: str, description: str, weeks: list[date], series: list[Series], value_label: str
) -> Figures:
    """Figures week by week, each week labelled by the day it begins."""
    return Figures(
        title, description, [week.strftime("%-d %b") for week in weeks], series, "Week beginning", value_label
    )


def _weekly(activity: ReportActivity, today: date) -> Chart:
    sent = {day: n for day, n in activity.submitted.items() if n}
    decided = {day: n for day, n in activity.released.items() if n}
    if not sent and not decided:
        return nothing("Submissions and decisions per week")
    first = max(min([*sent, *decided]), today - timedelta(weeks=WEEKS_SHOWN - 1))
    weeks = weeks_between(first, max(today, *sent, *decided))
    sent_per_week, decided_per_week = per_week(sent, weeks), per_week(decided, weeks)
    busiest = max(range(len(weeks)), key=lambda i: sent_per_week[i])
    description = (
        f"Each week from {_day(weeks[0])}: {plural(sum(sent_per_week), 'submission')} (attempts and APL "
        f"claims) and {plural(sum(decided_per_week), 'decision')} released; the busiest week for submissions "
        f"began {_day(weeks[busiest])} ({sent_per_week[busiest]})."
    )
    shown_series = [Series("Submitted", sent_per_week), Series("Decisions released", decided_per_week)]
    return bar_chart(_weeks("Submissions and decisions per week", description, weeks, shown_series, "Number"))


def _turnaround(report: CohortReport, activity: ReportActivity) -> Chart:
    found = turnaround_by_assessor(activity.turnaround)
    target = report.cohort.turnaround_days
    over = [t.assessor for t in found if t.median_days > target]
    description = (
        f"Median working days from sending work to the assessor's decision, slowest first; the cohort's "
        f"target is {plural(target, 'working day')}. "
        + (f"Over the target: {', '.join(over)}." if over else "Every assessor's median is within it.")
    )
    chart = bar_chart(
        Figures(
            "Turnaround by assessor",
            description,
            [t.assessor for t in found],
            [Series("Median working days", [t.median_days for t in found])],
            "Assessor",
            "Median working days",
        ),
        horizontal=True,
        whole=False,
    )
    return with_figures(chart, [Series("Decisions", [t.decisions for t in found])])


def _calendar(report: CohortReport, today: date) -> Chart:
    cohort = report.cohort
    if today < cohort.start_date:
        return nothing("Progress against the calendar")
    sessions = db.session.execute(
        select(CohortSession.starts_at, CohortSession.module_codes).where(
            CohortSession.cohort_id == cohort.id, CohortSession.status == SessionStatus.SCHEDULED
        )
    )
    taught = last_sessions((start.astimezone(UK).date(), codes.split()) for start, codes in sessions)
    weeks = weeks_between(cohort.start_date, today)
    finished, average = calendar_progress_counted(weeks, taught, report.firsts, report.totals.candidates)
    series = [Series("Modules achieved per candidate (average)", average)]
    if taught:
        series.insert(0, Series("Modules whose sessions have finished", finished))
        plan = f"the calendar had finished teaching {plural(finished[-1], 'module')}"
    else:
        plan = "no session in the calendar names its modules yet, so there is no plan line"
    description = (
        f"Week by week since {_day(cohort.start_date)}: by this week {plan}, and candidates had achieved "
        f"{number(average[-1])} {'module' if average[-1] == 1 else 'modules'} on average."
    )
    return line_chart(_weeks("Progress against the calendar", description, weeks, series, "Modules"))

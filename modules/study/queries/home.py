"""The home page's and the planner's read side of studying: progress across all of a person's modules, the
activity to carry on with, study time (a fixed number of statements, quality.md W2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defer

from core.accounts.models import Role
from core.db.postgres import prepared
from core.extensions import db
from modules.content.models import Activity, Section
from modules.study.models import ActivityCompletion, ModuleEnrolment, StudyLog, StudyPosition
from modules.study.queries.progress import active_enrolments
from modules.study.rules import resume_at, starting_from

# (family, module code) -> why nothing is left to study there, in words ("submitted for assessment"). The
# areas above modules know (submissions, APL claims, results) and register providers in
# app.extensions["waymark_closed_modules"]: user id -> such a mapping.
Closed = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class ModuleRow:
    """One module on the home page: its activities, or why no study is left in it."""

    enrolment: ModuleEnrolment
    done: int
    total: int
    minutes_left: int
    closed: str | None = None  # e.g. "achieved": the module is not work left, whatever its activities


@dataclass(frozen=True)
class Overview:
    """Progress across all of a person's modules, for the home page (fixed number of queries)."""

    rows: list[ModuleRow]
    resume: tuple[ModuleEnrolment, Activity] | None
    minutes_logged: int

    @property
    def open_rows(self) -> list[ModuleRow]:
        """The modules with work left in them."""
        return [r for r in self.rows if r.closed is None]

    @property
    def closed_rows(self) -> list[ModuleRow]:
        return [r for r in self.rows if r.closed is not None]


def closed_modules(user_id: int) -> dict[tuple[str, str], str]:
    """Why modules hold no study left for this person, from the providers of the areas above."""
    closed: dict[tuple[str, str], str] = {}
    for provide in current_app.extensions.get("waymark_closed_modules", []):
        closed.update(provide(user_id))
    return closed


_HOME_ACTIVITIES = prepared(
    select(
        Activity,
        Section.family,
        Section.module_code,
        select(ActivityCompletion.id)
        .where(
            ActivityCompletion.user_id == bindparam("user_id"), ActivityCompletion.activity_id == Activity.id
        )
        .exists(),
    )
    .join(Section)
    .where(Section.module_code.in_(bindparam("codes", expanding=True)))
    .order_by(Section.family, Section.module_code, Section.position, Activity.position)
    # The home page shows titles and minutes, never a lesson's text.
    .options(defer(Activity.body_md))
)


def _activities_of(
    user_id: int, enrolments: list[ModuleEnrolment]
) -> tuple[dict[tuple[str, str], list[Activity]], set[int]]:
    """Every activity of the person's modules in study order, by (family, module code), and which of them
    they have done: one statement (the home page's budget, quality.md W2, has no room for two)."""
    by_module: dict[tuple[str, str], list[Activity]] = {(e.family, e.module_code): [] for e in enrolments}
    rows = db.session.execute(
        _HOME_ACTIVITIES, {"user_id": user_id, "codes": [e.module_code for e in enrolments]}
    )
    done: set[int] = set()
    for activity, family, module_code, is_done in rows:
        if (family, module_code) in by_module:
            by_module[(family, module_code)].append(activity)
            if is_done:
                done.add(activity.id)
    return by_module, done


def _positions(user_id: int) -> list[StudyPosition]:
    """Where the person stopped in each module, the latest first."""
    return list(
        db.session.scalars(
            select(StudyPosition)
            .where(StudyPosition.user_id == user_id)
            .order_by(StudyPosition.updated_at.desc())
        )
    )


def _minutes_logged(user_id: int) -> int:
    logged = db.session.scalar(
        select(func.coalesce(func.sum(StudyLog.minutes), 0)).where(StudyLog.user_id == user_id)
    )
    return logged or 0


def overview(user_id: int, closed: Closed | None = None) -> Overview:
    """What the home page needs: progress per module and the activity to carry on with tonight.

    `closed` modules (submitted, achieved, claimed by APL) are shown with the reason and never offered as
    tonight's work."""
    closed = closed or {}
    enrolments = active_enrolments(user_id)
    if not enrolments:
        return Overview([], None, 0)
    keys = {(e.family, e.module_code): e for e in enrolments}
    by_module, done = _activities_of(user_id, enrolments)
    rows = [
        ModuleRow(
            keys[key],
            sum(1 for a in mine if a.id in done),
            len(mine),
            sum(a.minutes for a in mine if a.id not in done),
            closed.get(key),
        )
        for key, mine in by_module.items()
    ]
    rows.sort(key=lambda r: r.enrolment.module_code)
    # The module touched most recently first, then the others; the first with something left is the resume.
    remembered = {
        (p.family, p.module_code): p.activity_id
        for p in _positions(user_id)
        if (p.family, p.module_code) in keys and (p.family, p.module_code) not in closed
    }
    order = [*remembered, *(k for k in keys if k not in remembered and k not in closed)]
    resume = next(
        ((keys[k], a) for k in order if (a := resume_at(by_module[k], done, remembered.get(k))) is not None),
        None,
    )
    return Overview(rows, resume, _minutes_logged(user_id))


def study_queue(user_id: int, closed: Closed | None = None) -> list[tuple[ModuleEnrolment, Activity]]:
    """The activities the person has not done, in study order, starting where they stopped (never in a
    `closed` module: submitted, achieved or claimed by APL)."""
    closed = closed or {}
    enrolments = [e for e in active_enrolments(user_id) if (e.family, e.module_code) not in closed]
    if not enrolments:
        return []
    keys = {(e.family, e.module_code): e for e in enrolments}
    by_module, done = _activities_of(user_id, enrolments)
    latest = next(iter(_positions(user_id)), None)
    order = sorted(keys)  # study order: family, then module code
    if latest is not None and (latest.family, latest.module_code) in keys:
        # Carry on where they stopped: that module first, from the remembered activity onwards.
        first = (latest.family, latest.module_code)
        order = [first, *(k for k in order if k != first)]
        left = [a for a in by_module[first] if a.id not in done]
        by_module[first] = starting_from(left, resume_at(left, done, latest.activity_id))
    return [(keys[k], a) for k in order for a in by_module[k] if a.id not in done]


def study_time(user_id: int) -> tuple[int, int]:
    """(minutes logged, notional minutes of the person's active modules: 10 hours per credit)."""
    notional = sum(e.module.credits * 600 for e in active_enrolments(user_id))
    return _minutes_logged(user_id), notional


def recent_logs(user_id: int, limit: int = 10) -> list[StudyLog]:
    """The person's latest study-time entries."""
    return list(
        db.session.scalars(
            select(StudyLog)
            .where(StudyLog.user_id == user_id)
            .order_by(StudyLog.studied_on.desc(), StudyLog.id.desc())
            .limit(limit)
        )
    )


def study_panel(user) -> dict | None:
    """Progress per module and the next activity, for a candidate; None for anyone else."""
    if not user.has_role(Role.CANDIDATE):
        return None
    return {
        "template": "modules/study/_home_panel.html",
        "overview": overview(user.id, closed_modules(user.id)),
    }

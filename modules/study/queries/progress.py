"""Read side of studying: a module's content and one person's progress, in a fixed number of queries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import abort
from flask_login import current_user
from sqlalchemy import String, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import selectinload

from core.db.postgres import prepared
from core.extensions import db
from modules.content.models import Activity, ActivityKind, Question, Section
from modules.permissions import can_study
from modules.study.models import (
    ActivityCompletion,
    DraftRecovery,
    EnrolmentStatus,
    ModuleEnrolment,
    QuizAttempt,
    ReflectionDraft,
    StudyPosition,
)
from modules.study.rules import resume_at


def sections_of(family: str, module_code: str, *, with_questions: bool = True) -> list[Section]:
    """A module's sections with their activities (and questions), in a fixed number of queries."""
    load = selectinload(Section.activities)
    if with_questions:
        load = load.selectinload(Activity.questions).selectinload(Question.options)
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.family == family, Section.module_code == module_code)
            .order_by(Section.position)
            .options(load)
        )
    )


@dataclass(frozen=True, slots=True)
class OutlineActivity:
    """An activity as the module page lists it: no body, no questions (those are read on its own page)."""

    id: int
    section_id: int
    position: int
    kind: str
    title: str
    minutes: int
    requires_previous: bool

    @property
    def kind_enum(self) -> ActivityKind:
        return ActivityKind(self.kind)


@dataclass(slots=True)
class OutlineSection:
    id: int
    position: int
    title: str
    activities: list[OutlineActivity] = field(default_factory=list)


# Built once: the module page is the page candidates open most (W1), and building a statement costs more
# than running it on a warm connection.
_OUTLINE = prepared(
    select(
        Section.id,
        Section.position,
        Section.title,
        Activity.id,
        Activity.position,
        Activity.kind,
        Activity.title,
        Activity.minutes,
        Activity.requires_previous,
    )
    .outerjoin(Activity, Activity.section_id == Section.id)
    .where(Section.family == bindparam("family"), Section.module_code == bindparam("code"))
    .order_by(Section.position, Section.id, Activity.position, Activity.id)
)


def module_outline(family: str, module_code: str) -> list[OutlineSection]:
    """A module's sections and activities for its page, in one statement and without the lesson texts."""
    sections: list[OutlineSection] = []
    for sid, spos, stitle, aid, apos, kind, title, minutes, requires_previous in db.session.execute(
        _OUTLINE, {"family": family, "code": module_code}
    ):
        if not sections or sections[-1].id != sid:
            sections.append(OutlineSection(sid, spos, stitle))
        if aid is not None:
            sections[-1].activities.append(
                OutlineActivity(aid, sid, apos, kind, title, minutes, bool(requires_previous))
            )
    return sections


def active_enrolments(user_id: int) -> list[ModuleEnrolment]:
    """The modules this person studies now."""
    return list(
        db.session.scalars(
            select(ModuleEnrolment)
            .where(ModuleEnrolment.candidate_id == user_id, ModuleEnrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(ModuleEnrolment.module_code)
        )
    )


_ENROLMENT = prepared(
    select(ModuleEnrolment).where(
        ModuleEnrolment.candidate_id == bindparam("user_id"),
        ModuleEnrolment.family == bindparam("family"),
        ModuleEnrolment.module_code == bindparam("code"),
    )
)


def enrolment_for(user_id: int, family: str, module_code: str) -> ModuleEnrolment | None:
    """This person's enrolment on one module, if any."""
    return db.session.scalar(_ENROLMENT, {"user_id": user_id, "family": family, "code": module_code})


def done_ids(user_id: int, activity_ids: list[int]) -> set[int]:
    """Which of these activities the person has completed."""
    if not activity_ids:
        return set()
    return set(
        db.session.scalars(
            select(ActivityCompletion.activity_id).where(
                ActivityCompletion.user_id == user_id, ActivityCompletion.activity_id.in_(activity_ids)
            )
        )
    )


@dataclass
class ModuleProgress:
    """One person's state in one module."""

    sections: list[Section] | list[OutlineSection]
    order: list[int]
    done: set[int]
    best_scores: dict[int, tuple[int, int]] = field(default_factory=dict)
    draft_ids: set[int] = field(default_factory=set)
    drafts: dict[int, ReflectionDraft] = field(default_factory=dict)  # loaded only with detail
    position: Resume | None = None

    @property
    def activities(self) -> list[Activity]:
        return [a for s in self.sections for a in s.activities]

    @property
    def total_minutes(self) -> int:
        return sum(a.minutes for a in self.activities)

    @property
    def minutes_left(self) -> int:
        return sum(a.minutes for a in self.activities if a.id not in self.done)

    @property
    def percent(self) -> int:
        return round(100 * len(self.done) / len(self.order)) if self.order else 0

    def next_activity(self) -> Activity | None:
        """Where to carry on: the remembered activity if unfinished, else the first one not done."""
        return resume_at(self.activities, self.done, self.position and self.position.activity_id)


@dataclass(frozen=True, slots=True)
class Resume:
    """Where the person stopped in a module: the activity and the place in it (an anchor)."""

    activity_id: int | None
    anchor: str | None


_USER, _IDS = bindparam("user_id"), bindparam("ids", expanding=True)
_NO_TEXT = cast(null(), String)
# Completions, drafts, best scores and where the person stopped, in one statement: every statement is a round
# trip on PostgreSQL, and the module page (W1) is the page candidates open most.
_MARKS = prepared(
    union_all(
        select(literal("done"), ActivityCompletion.activity_id, literal(0), literal(0), _NO_TEXT).where(
            ActivityCompletion.user_id == _USER, ActivityCompletion.activity_id.in_(_IDS)
        ),
        select(literal("draft"), ReflectionDraft.activity_id, literal(0), literal(0), _NO_TEXT).where(
            ReflectionDraft.user_id == _USER, ReflectionDraft.activity_id.in_(_IDS)
        ),
        select(
            literal("quiz"),
            QuizAttempt.activity_id,
            func.max(QuizAttempt.score),
            func.max(QuizAttempt.max_score),
            _NO_TEXT,
        )
        .where(QuizAttempt.user_id == _USER, QuizAttempt.activity_id.in_(_IDS))
        .group_by(QuizAttempt.activity_id),
        select(
            literal("position"), StudyPosition.activity_id, literal(0), literal(0), StudyPosition.anchor
        ).where(
            StudyPosition.user_id == _USER,
            StudyPosition.family == bindparam("family"),
            StudyPosition.module_code == bindparam("code"),
        ),
    )
)


def module_progress(user_id: int, family: str, module_code: str, *, detail: bool = False) -> ModuleProgress:
    """Everything the module page (or, with detail, an activity page) shows, in a fixed number of queries."""
    # The module page needs the outline only; an activity page needs the activities themselves.
    sections = sections_of(family, module_code) if detail else module_outline(family, module_code)
    order = [a.id for s in sections for a in s.activities]
    progress = ModuleProgress(sections, order, set())
    if not order:
        return progress  # nothing to study, so nowhere to carry on from
    marks = db.session.execute(
        _MARKS, {"user_id": user_id, "ids": order, "family": family, "code": module_code}
    )
    for kind, activity_id, best, out_of, anchor in marks:
        if kind == "done":
            progress.done.add(activity_id)
        elif kind == "draft":
            progress.draft_ids.add(activity_id)
        elif kind == "quiz":
            progress.best_scores[activity_id] = (best, out_of)
        else:
            progress.position = Resume(activity_id, anchor)
    if detail:
        progress.drafts = {
            d.activity_id: d
            for d in db.session.scalars(
                select(ReflectionDraft).where(
                    ReflectionDraft.user_id == user_id, ReflectionDraft.activity_id.in_(order)
                )
            )
        }
    return progress


def open_recoveries(draft: ReflectionDraft | None) -> list[DraftRecovery]:
    """Texts kept from older tabs that the candidate has not dismissed yet."""
    if draft is None:
        return []
    return list(
        db.session.scalars(
            select(DraftRecovery)
            .where(DraftRecovery.draft_id == draft.id, DraftRecovery.dismissed_at.is_(None))
            .order_by(DraftRecovery.id.desc())
        )
    )


def last_attempt(user_id: int, activity_id: int) -> QuizAttempt | None:
    """The person's latest try at a knowledge check."""
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.activity_id == activity_id)
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def attempt_answers(attempt: QuizAttempt) -> dict[int, set[int]]:
    """The options chosen in an attempt, by question id."""
    return {int(k): set(v) for k, v in json.loads(attempt.answers_json).items()}


def module_or_404(family: str, code: str, *, detail: bool = True):
    enrolment = enrolment_for(current_user.id, family, code)
    # 404: someone not studying a module learns nothing about it from these pages.
    if not can_study(current_user, enrolment):
        abort(404)
    return enrolment, module_progress(current_user.id, family, code, detail=detail)


def activity_or_404(progress, activity_id: int) -> Activity:
    activity = next((a for a in progress.activities if a.id == activity_id), None)
    if activity is None:
        abort(404)
    return activity


def revision_of(value: str | None) -> int:
    # A garbled hidden field is treated as a stale one: refused, never a server error.
    try:
        return int(value or "")
    except ValueError:
        return -1

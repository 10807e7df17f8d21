"""Studying: enrolment, completing activities, knowledge checks, reflection drafts, position, study time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.audit.services import record
from core.db.rows import locked_row
from core.db.timeutil import utcnow
from core.errors import InvalidTransition, ValidationFailed, require
from core.extensions import db
from modules.content.models import Activity, ActivityKind, Section
from modules.permissions import can_study
from modules.study.models import (
    ActivityCompletion,
    DraftRecovery,
    EnrolmentStatus,
    ModuleEnrolment,
    QuizAttempt,
    ReflectionDraft,
    StudyLog,
    StudyPosition,
)
from modules.study.rules import MAX_NOTE_CHARS, MAX_REFLECTION_CHARS, quiz_passed


def enrol(
    user_id: int, *, family: str, module_code: str, module_id: int, cohort_id: int | None
) -> ModuleEnrolment:
    """Enrol someone on a module (or reactivate a withdrawn enrolment); idempotent."""
    enrolment = db.session.scalar(
        select(ModuleEnrolment).where(
            ModuleEnrolment.candidate_id == user_id,
            ModuleEnrolment.family == family,
            ModuleEnrolment.module_code == module_code,
        )
    )
    if enrolment is None:
        enrolment = ModuleEnrolment(
            candidate_id=user_id,
            family=family,
            module_code=module_code,
            module_id=module_id,
            cohort_id=cohort_id,
        )
        db.session.add(enrolment)
    elif enrolment.status != EnrolmentStatus.ACTIVE:
        enrolment.move_to(EnrolmentStatus.ACTIVE)
    db.session.flush()
    return enrolment


def move_to_revisions(cohort_id: int, revisions: Mapping[str, int]) -> int:
    """Point the cohort's enrolments at other revisions of their modules (module code -> module id): a
    cohort moved onto a newer version before it started. Returns how many enrolments moved."""
    rows = db.session.scalars(
        select(ModuleEnrolment).where(
            ModuleEnrolment.cohort_id == cohort_id, ModuleEnrolment.module_code.in_(list(revisions))
        )
    ).all()
    moved = [row for row in rows if row.module_id != revisions[row.module_code]]
    for row in moved:
        row.module_id = revisions[row.module_code]
    db.session.flush()
    for row in moved:
        db.session.expire(row, ["module"])  # the relationship still holds the old revision
    return len(moved)


def withdraw(user_id: int, *, family: str, module_codes: Iterable[str]) -> list[str]:
    """Withdraw from modules no longer in a pathway; progress is kept in case they come back."""
    codes = list(module_codes)
    rows = db.session.scalars(
        select(ModuleEnrolment).where(
            ModuleEnrolment.candidate_id == user_id,
            ModuleEnrolment.family == family,
            ModuleEnrolment.module_code.in_(codes),
            ModuleEnrolment.status == EnrolmentStatus.ACTIVE,
        )
    ).all()
    for row in rows:
        row.move_to(EnrolmentStatus.WITHDRAWN)
    db.session.flush()
    return [r.module_code for r in rows]


def move_enrolments(user_id: int, *, from_cohort_id: int, to_cohort_id: int) -> list[str]:
    """Carry someone's enrolments (and so their progress) from one cohort to another: a transfer."""
    rows = db.session.scalars(
        select(ModuleEnrolment).where(
            ModuleEnrolment.candidate_id == user_id, ModuleEnrolment.cohort_id == from_cohort_id
        )
    ).all()
    for row in rows:
        row.cohort_id = to_cohort_id
    db.session.flush()
    return [row.module_code for row in rows]


def is_locked(activity: Activity, done: set[int], ordered_ids: list[int]) -> bool:
    """Whether the activity waits for the one before it (and that one is not done)."""
    if not activity.requires_previous:
        return False
    index = ordered_ids.index(activity.id)
    return index > 0 and ordered_ids[index - 1] not in done


def require_study_open(user, cohort_id: int | None) -> None:
    """Refuse study changes the areas above close (a candidate withdrawn from the cohort reads, never
    writes): each refusal hook says why, or None."""
    for refusal in current_app.extensions.get("waymark_study_refusals", []):
        message = refusal(user, cohort_id)
        require(message is None, message or "")


def _check_can_work_on(
    user, enrolment: ModuleEnrolment | None, activity: Activity, done: set[int], order
) -> None:
    require(can_study(user, enrolment), "You are not studying this module.")
    require_study_open(user, enrolment.cohort_id)
    if is_locked(activity, done, order):
        raise InvalidTransition("Finish the activity before this one first: this one waits for it.")


def complete(user, enrolment, activity: Activity, *, how: str, done: set[int], order: list[int]) -> bool:
    """Record an activity as done (idempotent: a double click changes nothing); True if newly done."""
    _check_can_work_on(user, enrolment, activity, done, order)
    if activity.id in done:
        return False
    # A savepoint, so a concurrent duplicate (another tab) is absorbed by the unique constraint.
    savepoint = db.session.begin_nested()
    try:
        db.session.add(ActivityCompletion(user_id=user.id, activity_id=activity.id, how=how))
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    note_position(user, activity, anchor=f"activity-{activity.id}")
    return True


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    chosen: tuple[int, ...]
    correct: bool


def mark_quiz(
    user, enrolment, activity: Activity, answers: dict[int, list[int]], *, done, order
) -> QuizAttempt:
    """Mark a knowledge check at once; every question must be answered; the check is done once passed."""
    _check_can_work_on(user, enrolment, activity, done, order)
    if activity.kind != ActivityKind.QUIZ:
        raise InvalidTransition("This activity is not a knowledge check.")
    errors = {}
    score = 0
    for question in activity.questions:
        chosen = set(answers.get(question.id, []))
        valid = {o.id for o in question.options}
        if not chosen:
            errors[f"q{question.id}"] = "Choose an answer."
            continue
        if not chosen <= valid or (not question.multiple and len(chosen) != 1):
            errors[f"q{question.id}"] = "Choose from the answers given."
            continue
        if chosen == {o.id for o in question.options if o.correct}:
            score += 1
    if errors:
        raise ValidationFailed(errors)
    attempt = QuizAttempt(
        user_id=user.id,
        activity_id=activity.id,
        score=score,
        max_score=len(activity.questions),
        answers_json=json.dumps({str(k): sorted(v) for k, v in answers.items()}),
    )
    db.session.add(attempt)
    db.session.flush()
    # No exams: retakes are welcome and the best score is kept; the check is done once passed (or, where its
    # author says a try is enough, after this complete try).
    if quiz_passed(score, attempt.max_score, try_is_enough=activity.try_is_enough):
        complete(user, enrolment, activity, how="auto", done=done, order=order)
    return attempt


@dataclass(frozen=True)
class DraftSave:
    draft: ReflectionDraft
    conflict: DraftRecovery | None  # the text we did not save over a newer draft, kept for recovery


def save_draft(
    user, enrolment, activity: Activity, *, text: str, base_revision: int, done, order
) -> DraftSave:
    """Save a reflection draft; text based on an older revision never overwrites a newer one."""
    _check_can_work_on(user, enrolment, activity, done, order)
    if activity.kind != ActivityKind.REFLECTION:
        raise InvalidTransition("This activity has no written answer.")
    if len(text) > MAX_REFLECTION_CHARS:
        raise ValidationFailed({"text": f"Keep the answer under {MAX_REFLECTION_CHARS:,} characters."})
    draft = locked_row(ReflectionDraft, {"text": "", "revision": 0}, user_id=user.id, activity_id=activity.id)
    if text == draft.text:
        return DraftSave(draft, None)
    if base_revision != draft.revision:
        # The same text may arrive twice (the autosave that hit the conflict, then the Save button): keep one.
        recovery = db.session.scalar(
            select(DraftRecovery).where(
                DraftRecovery.draft_id == draft.id,
                DraftRecovery.text == text,
                DraftRecovery.dismissed_at.is_(None),
            )
        )
        if recovery is None:
            recovery = DraftRecovery(draft_id=draft.id, text=text, based_on_revision=base_revision)
            db.session.add(recovery)
            db.session.flush()
        return DraftSave(draft, recovery)
    draft.text = text
    draft.revision += 1
    draft.updated_at = utcnow()
    db.session.flush()
    note_position(user, activity, anchor=f"activity-{activity.id}")
    return DraftSave(draft, None)


def finish_reflection(user, enrolment, activity: Activity, *, revision: int, done, order) -> ReflectionDraft:
    """The candidate says "this is my answer": the activity is done and the answer becomes evidence."""
    _check_can_work_on(user, enrolment, activity, done, order)
    draft = db.session.scalar(
        select(ReflectionDraft).where(
            ReflectionDraft.user_id == user.id, ReflectionDraft.activity_id == activity.id
        )
    )
    if draft is None or not draft.text.strip():
        raise ValidationFailed({"text": "Write your answer before you mark it as finished."})
    if draft.revision != revision:
        raise InvalidTransition(
            "Your answer changed in another tab. Check the latest text, then finish again."
        )
    draft.finished_at = draft.finished_at or utcnow()
    record(
        "reflection_finished",
        actor=user,
        actor_role="candidate",
        obj=draft,
        details={"activity_id": activity.id, "criteria": activity.criteria, "chars": len(draft.text)},
    )
    complete(user, enrolment, activity, how="auto", done=done, order=order)
    return draft


def dismiss_recovery(user, recovery: DraftRecovery) -> None:
    """Hide a recovered text the candidate no longer needs."""
    draft = db.session.get(ReflectionDraft, recovery.draft_id)
    require(draft is not None and draft.user_id == user.id, "That text is not yours.")
    recovery.dismissed_at = utcnow()
    db.session.flush()


def note_position(user, activity: Activity, *, anchor: str = "") -> None:
    """Remember where the candidate is in a module, so any device resumes there."""
    section = activity.section
    position = db.session.scalar(
        select(StudyPosition).where(
            StudyPosition.user_id == user.id,
            StudyPosition.family == section.family,
            StudyPosition.module_code == section.module_code,
        )
    )
    if position is None:
        position = StudyPosition(user_id=user.id, family=section.family, module_code=section.module_code)
        db.session.add(position)
    position.activity_id = activity.id
    position.anchor = anchor[:80]
    position.updated_at = utcnow()
    db.session.flush()


def log_study(user, *, studied_on: date, minutes: int, module_code: str | None, note: str) -> StudyLog:
    """Log study time (the planner compares it with the notional hours of the candidate's credits)."""
    require_study_open(user, None)
    errors = {}
    if not 1 <= minutes <= 720:
        errors["minutes"] = "Enter between 1 and 720 minutes."
    if studied_on > date.today():  # noqa: DTZ011 - the candidate's own calendar day, UK local
        errors["studied_on"] = "The date cannot be in the future."
    if len(note or "") > MAX_NOTE_CHARS:
        errors["note"] = f"Keep the note under {MAX_NOTE_CHARS} characters."
    if errors:
        raise ValidationFailed(errors)
    row = StudyLog(
        user_id=user.id, studied_on=studied_on, minutes=minutes, module_code=module_code, note=note or ""
    )
    db.session.add(row)
    db.session.flush()
    return row


def complete_by_attendance(
    user_id: int, *, family: str, module_codes: Iterable[str], session_kind: str
) -> int:
    """Mark as done (how='attendance') the session activities of this kind in these modules; idempotent.

    Returns how many activities were newly completed.
    """
    codes = list(dict.fromkeys(module_codes))
    if not codes:
        return 0
    already = select(ActivityCompletion.activity_id).where(ActivityCompletion.user_id == user_id)
    pending = db.session.scalars(
        select(Activity.id)
        .join(Section, Activity.section_id == Section.id)
        .where(
            Section.family == family,
            Section.module_code.in_(codes),
            Activity.kind == ActivityKind.SESSION,
            Activity.session_kind == session_kind,
            Activity.id.not_in(already),
        )
        .order_by(Section.module_code, Section.position, Activity.position)
    ).all()
    made = 0
    for activity_id in pending:
        # A savepoint per row: a completion made meanwhile (the candidate's own click, another tutor's
        # save) hits the unique constraint and is simply kept, without undoing the caller's work.
        savepoint = db.session.begin_nested()
        try:
            db.session.add(ActivityCompletion(user_id=user_id, activity_id=activity_id, how="attendance"))
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            continue
        savepoint.commit()
        made += 1
    return made

"""Attendance at a live session completes the module's matching session activities.

The qualification package knows sessions and who attended; this package knows activities and completion.
It calls in here after its own permission checks, so these functions take plain ids and no actor.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from modules.models import Activity, ActivityCompletion, ActivityKind, Section


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

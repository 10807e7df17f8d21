"""What the candidates' study templates need to show a module's content with no candidate behind it."""

from __future__ import annotations

from dataclasses import dataclass

from modules.forms import DraftForm, FinishForm
from modules.models import Activity, ActivityKind, Module
from modules.queries import ModuleProgress, sections_of
from modules.study_services import is_locked


@dataclass(frozen=True)
class PreviewEnrolment:
    """What the study templates read from an enrolment: the module."""

    module: Module


def _progress(module: Module) -> ModuleProgress:
    # A candidate who has just started: nothing done, no drafts, no scores, no remembered position.
    sections = sections_of(module.family, module.code)
    return ModuleProgress(sections, [a.id for s in sections for a in s.activities], set())


def module_preview(module: Module) -> dict:
    """The context of study/module.html for a candidate who has not started."""
    return {
        "enrolment": PreviewEnrolment(module),
        "progress": _progress(module),
        "is_locked": is_locked,
        "ActivityKind": ActivityKind,
    }


def activity_preview(module: Module, activity_id: int) -> dict | None:
    """The context of study/activity.html for one activity of the module, or None if it is not one."""
    progress = _progress(module)
    by_id: dict[int, Activity] = {a.id: a for a in progress.activities}
    if activity_id not in by_id:
        return None
    index = progress.order.index(activity_id)
    return {
        "enrolment": PreviewEnrolment(module),
        "progress": progress,
        "activity": by_id[activity_id],
        # Shown even when it waits for the activity before: the author needs to see its content.
        "locked": False,
        "previous": by_id[progress.order[index - 1]] if index > 0 else None,
        "following": by_id[progress.order[index + 1]] if index + 1 < len(progress.order) else None,
        "draft": None,
        "draft_form": DraftForm(formdata=None, text="", revision="0"),
        "finish_form": FinishForm(formdata=None, revision="0"),
        "recoveries": [],
        "attempt": None,
        "chosen": {},
        "quiz_errors": {},
        "ActivityKind": ActivityKind,
        "saved": None,
    }

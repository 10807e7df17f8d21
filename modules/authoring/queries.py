"""What the authoring pages read: the modules that can have content, their outlines, their criteria."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from sqlalchemy import func, select

from core.errors import InvalidTransition
from core.extensions import db
from modules.catalogue.models import AssessmentCriterion, LearningOutcome, Module
from modules.content.models import Activity, ActivityKind, Question, Section
from modules.study.forms import DraftForm, FinishForm
from modules.study.queries import ModuleProgress, sections_of
from modules.study.services import is_locked


@dataclass(frozen=True)
class ContentSummary:
    """One module identity (family + code) with the title of its newest revision and its content's size."""

    family: str
    code: str
    title: str
    sections: int
    activities: int
    minutes: int


def authorable_modules() -> list[ContentSummary]:
    """Every module identity in the catalogue, with counts of its content (three queries)."""
    newest = (
        select(Module.family, Module.code, func.max(Module.revision).label("revision"))
        .group_by(Module.family, Module.code)
        .subquery()
    )
    titles = db.session.execute(
        select(Module.family, Module.code, Module.title)
        .join(
            newest,
            (Module.family == newest.c.family)
            & (Module.code == newest.c.code)
            & (Module.revision == newest.c.revision),
        )
        .order_by(Module.family, Module.code)
    ).all()
    sections = {
        (family, code): count
        for family, code, count in db.session.execute(
            select(Section.family, Section.module_code, func.count(Section.id)).group_by(
                Section.family, Section.module_code
            )
        )
    }
    activities = {
        (family, code): (count, minutes or 0)
        for family, code, count, minutes in db.session.execute(
            select(Section.family, Section.module_code, func.count(Activity.id), func.sum(Activity.minutes))
            .join(Activity, Activity.section_id == Section.id)
            .group_by(Section.family, Section.module_code)
        )
    }
    summaries = []
    for family, code, title in titles:
        count, minutes = activities.get((family, code), (0, 0))
        summaries.append(ContentSummary(family, code, title, sections.get((family, code), 0), count, minutes))
    return summaries


def newest_module(family: str, code: str) -> Module | None:
    """The newest revision of a module (its title is the one authors see), or None if there is none."""
    return db.session.scalar(
        select(Module)
        .where(Module.family == family, Module.code == code)
        .order_by(Module.revision.desc())
        .limit(1)
    )


def criterion_refs(family: str, code: str) -> list[str]:
    """The refs of the module's assessment criteria in any revision (content outlives revisions)."""
    return list(
        db.session.scalars(
            select(AssessmentCriterion.ref)
            .join(LearningOutcome, AssessmentCriterion.outcome_id == LearningOutcome.id)
            .join(Module, LearningOutcome.module_id == Module.id)
            .where(Module.family == family, Module.code == code)
            .distinct()
            .order_by(AssessmentCriterion.ref)
        )
    )


def section_in(family: str, code: str, section_id: int) -> Section | None:
    """A section of this module, or None."""
    section = db.session.get(Section, section_id)
    if section is None or (section.family, section.module_code) != (family, code):
        return None
    return section


def activity_in(family: str, code: str, activity_id: int) -> Activity | None:
    """An activity of this module, or None."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or (activity.section.family, activity.section.module_code) != (family, code):
        return None
    return activity


def question_in(activity: Activity, question_id: int) -> Question | None:
    """A question of this knowledge check, or None."""
    question = db.session.get(Question, question_id)
    return question if question is not None and question.activity_id == activity.id else None


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


GONE = "That {} was deleted since you opened the page, so nothing was changed."


def module_or_404(family: str, code: str) -> Module:
    return newest_module(family, code) or abort(404)


def found_or_404(row, noun: str):
    # A row deleted by someone else while this page was open: a POST says so (409) rather than "not found".
    if row is None:
        if request.method == "POST":
            raise InvalidTransition(GONE.format(noun))
        abort(404)
    return row


def section_or_404(family: str, code: str, section_id: int):
    return found_or_404(section_in(family, code, section_id), "section")


def activity_or_404(family: str, code: str, activity_id: int, *, quiz: bool = False) -> Activity:
    activity = found_or_404(activity_in(family, code, activity_id), "activity")
    return abort(404) if quiz and activity.kind != ActivityKind.QUIZ else activity


def question_or_404(activity: Activity, question_id: int):
    return found_or_404(question_in(activity, question_id), "question")

"""What the authoring pages read: the modules that can have content, their outlines, their criteria."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.extensions import db
from modules.models import Activity, AssessmentCriterion, LearningOutcome, Module, Question, Section


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

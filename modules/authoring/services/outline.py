"""A module's outline: adding, renaming, ordering and deleting sections, and adding, ordering and deleting
activities."""

from __future__ import annotations

from operator import attrgetter

from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from modules.authoring.rules import activity_values, minutes_errors, parse_minutes, title_errors
from modules.authoring.services.common import (
    audit,
    begin,
    check_version,
    clean,
    move_audited,
    renumber,
    touch,
)
from modules.content.models import Activity, ActivityKind, Section
from modules.study.models import ReflectionDraft


def _sections(family: str, code: str) -> list[Section]:
    return list(
        db.session.scalars(select(Section).where(Section.family == family, Section.module_code == code))
    )


# How the audit log names sections and activities in an order.
_TITLE = attrgetter("title")


# Sections ------------------------------------------------------------------------------------------


def add_section(actor, family: str, code: str, *, title: str | None) -> Section:
    """Add an empty section at the end of a module's content."""
    begin(actor)
    title = clean(title)
    if errors := title_errors(title, "section"):
        raise ValidationFailed(errors)
    position = max((s.position for s in _sections(family, code)), default=-1) + 1
    section = Section(family=family, module_code=code, position=position, title=title)
    db.session.add(section)
    db.session.flush()
    audit("section_added", actor, family, code, section, None, {"title": title, "position": position})
    return section


def rename_section(actor, section: Section, *, title: str | None, expected_version) -> Section:
    """Change a section's title."""
    begin(actor)
    check_version(section, expected_version)
    title = clean(title)
    if errors := title_errors(title, "section"):
        raise ValidationFailed(errors)
    if title == section.title:
        return section
    before = section.title
    section.title = title
    db.session.flush()
    audit(
        "section_renamed",
        actor,
        section.family,
        section.module_code,
        section,
        {"title": before},
        {"title": title},
    )
    return section


def move_section(actor, section: Section, *, direction: str | None, expected_version) -> Section:
    """Swap a section with the one above or below it."""
    begin(actor)
    check_version(section, expected_version)
    sections = _sections(section.family, section.module_code)
    move_audited("section_moved", actor, section, sections, section, direction, "section", _TITLE)
    return section


def delete_section(actor, section: Section, *, expected_version) -> None:
    """Delete an empty section; one that still has activities is refused, so no activity goes by accident."""
    begin(actor)
    check_version(section, expected_version)
    if section.activities:
        count = len(section.activities)
        raise ValidationFailed(
            f"“{section.title}” still has {count} {'activity' if count == 1 else 'activities'}. "
            "Delete them first; a section is deleted only when it is empty."
        )
    family, code = section.family, section.module_code
    before = {"title": section.title, "position": section.position}
    db.session.delete(section)
    db.session.flush()
    renumber(_sections(family, code))
    db.session.flush()
    audit("section_deleted", actor, family, code, section, before, None)


# Activities ----------------------------------------------------------------------------------------


def add_activity(actor, section: Section, *, kind: str | None, title: str | None, minutes) -> Activity:
    """Add an activity of a chosen kind at the end of a section; its content is written next."""
    begin(actor)
    errors = {}
    if kind not in {k.value for k in ActivityKind}:
        errors["kind"] = "Choose what kind of activity to add."
    title = clean(title)
    errors |= title_errors(title, "activity")
    value = parse_minutes(minutes)
    errors |= minutes_errors(value)
    if errors:
        raise ValidationFailed(errors)
    activity = Activity(
        kind=kind,
        title=title,
        minutes=value,
        body_md="",
        criteria_refs="",
        requires_previous=False,
        position=max((a.position for a in section.activities), default=-1) + 1,
    )
    section.activities.append(activity)
    # Writing the section row makes a concurrent delete of the section fail (409) instead of losing this.
    touch(section)
    db.session.flush()
    audit(
        "activity_added",
        actor,
        section.family,
        section.module_code,
        activity,
        None,
        activity_values(activity),
    )
    return activity


def move_activity(actor, activity: Activity, *, direction: str | None, expected_version) -> Activity:
    """Swap an activity with the one above or below it in its section."""
    begin(actor)
    check_version(activity, expected_version)
    section = activity.section
    noun = "activity in its section"
    move_audited("activity_moved", actor, section, section.activities, activity, direction, noun, _TITLE)
    return activity


def delete_activity(actor, activity: Activity, *, expected_version) -> None:
    """Delete an activity with its questions; refused while candidates have written answers to it."""
    begin(actor)
    check_version(activity, expected_version)
    # A reflective answer is the candidate's work and may be portfolio evidence: deleting the task would
    # delete the answers with it.
    answers = db.session.scalar(
        select(func.count(ReflectionDraft.id)).where(
            ReflectionDraft.activity_id == activity.id, func.length(ReflectionDraft.text) > 0
        )
    )
    if answers:
        raise ValidationFailed(
            f"{answers} {'candidate has' if answers == 1 else 'candidates have'} written an answer to "
            f"“{activity.title}”, so it cannot be deleted. Change its wording instead."
        )
    section = activity.section
    before = activity_values(activity)
    before["questions"] = len(activity.questions)
    section.activities.remove(activity)
    renumber(section.activities)
    touch(section)
    db.session.flush()
    audit("activity_deleted", actor, section.family, section.module_code, activity, before, None)

"""Writing an activity: its title, time, Markdown body and the fields of its kind."""

from __future__ import annotations

from core.errors import ValidationFailed
from core.extensions import db
from modules.authoring.queries import criterion_refs
from modules.authoring.rules import (
    BODY_MAX,
    SESSION_KINDS,
    activity_values,
    minutes_errors,
    parse_minutes,
    parse_refs,
    refs_errors,
    title_errors,
    url_errors,
)
from modules.authoring.services.common import audit, begin, changed, check_version, clean
from modules.content.models import Activity, ActivityKind


def update_activity(
    actor,
    activity: Activity,
    *,
    title: str | None,
    minutes,
    body: str | None,
    requires_previous: bool,
    expected_version,
    url: str | None = None,
    criteria: str | None = None,
    session_kind: str | None = None,
    try_is_enough: bool = False,
) -> Activity:
    """Save an activity's content; fields that do not belong to its kind are left as they are."""
    begin(actor)
    check_version(activity, expected_version)
    section = activity.section
    title, body = clean(title), clean(body)
    value = parse_minutes(minutes)
    errors = title_errors(title, "activity") | minutes_errors(value)
    if len(body) > BODY_MAX:
        errors["body"] = f"The text must fit in {BODY_MAX:,} characters."
    after = {"title": title, "minutes": value, "body": body, "requires_previous": bool(requires_previous)}
    kind = activity.kind_enum
    if kind == ActivityKind.RESOURCE:
        after["url"] = clean(url)
        errors |= url_errors(after["url"])
    elif kind == ActivityKind.REFLECTION:
        refs = parse_refs(criteria)
        errors |= refs_errors(refs, criterion_refs(section.family, section.module_code), section.module_code)
        after["criteria"] = " ".join(refs)
    elif kind == ActivityKind.SESSION:
        chosen = clean(session_kind)
        if chosen not in SESSION_KINDS:
            errors["session_kind"] = "Choose the kind of cohort session from the list."
        after["session_kind"] = chosen or None  # "" means any session, stored as NULL
    elif kind == ActivityKind.QUIZ:
        after["try_is_enough"] = bool(try_is_enough)
    if errors:
        raise ValidationFailed(errors)
    before, after = changed(activity_values(activity), after)
    if not after:
        return activity
    columns = {"body": "body_md", "criteria": "criteria_refs"}
    for key, new in after.items():
        setattr(activity, columns.get(key, key), new)
    db.session.flush()
    audit("activity_updated", actor, section.family, section.module_code, activity, before, after)
    return activity

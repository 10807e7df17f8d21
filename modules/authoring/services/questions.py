"""The questions of a knowledge check: adding, changing, ordering and deleting them."""

# Every change writes the activity row too, so its version guards the questions: two authors changing
# the same knowledge check cannot overwrite each other's questions without a 409.

from __future__ import annotations

from operator import attrgetter

from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from modules.authoring.rules import OPTION_MAX, OPTIONS_MAX, QUESTION_MAX, question_values
from modules.authoring.services.common import (
    audit,
    begin,
    changed,
    check_version,
    clean,
    move_audited,
    renumber,
    touch,
)
from modules.content.models import Activity, ActivityKind, Question, QuestionOption

# How the audit log names questions in an order.
_ID = attrgetter("id")


def _begin(actor, activity: Activity, expected_version) -> None:
    begin(actor)
    check_version(activity, expected_version)
    if activity.kind != ActivityKind.QUIZ:
        raise InvalidTransition("Only knowledge checks have questions.")


def _input(text, explanation, multiple, options) -> tuple[str, str, bool, list[dict]]:
    """The question's cleaned input; `options` are dicts of id (or None), text and correct, as typed."""
    text, explanation, multiple = clean(text), clean(explanation), bool(multiple)
    errors = {}
    if not text or len(text) > QUESTION_MAX:
        errors["text"] = f"Enter the question in 1 to {QUESTION_MAX:,} characters."
    if len(explanation) > QUESTION_MAX:
        errors["explanation"] = f"The explanation must fit in {QUESTION_MAX:,} characters."
    kept = []
    for number, option in enumerate(options, start=1):
        option_text = clean(option.get("text"))
        if not option_text:
            if option.get("correct"):
                errors["options"] = (
                    f"Answer {number} is ticked as right but has no text. Write it or untick it."
                )
            continue
        if len(option_text) > OPTION_MAX:
            errors["options"] = f"Answer {number} is longer than {OPTION_MAX:,} characters."
        kept.append({"id": option.get("id"), "text": option_text, "correct": bool(option.get("correct"))})
    if "options" not in errors and (problem := _options_problem(kept, multiple)):
        errors["options"] = problem
    if errors:
        raise ValidationFailed(errors)
    return text, explanation, multiple, kept


def _options_problem(options: list[dict], multiple: bool) -> str | None:
    right = sum(1 for o in options if o["correct"])
    if not 2 <= len(options) <= OPTIONS_MAX:
        return f"Give between 2 and {OPTIONS_MAX} answers to choose from."
    if multiple and right == 0:
        return "Tick at least one right answer."
    if not multiple and right == 0:
        return "Tick the right answer."
    if not multiple and right > 1:
        return "Tick exactly one right answer, or let candidates choose more than one answer."
    return None


def _set_options(question: Question, options: list[dict]) -> None:
    # Options that stay keep their rows (and ids), so candidates' earlier attempts still point at them.
    existing = {o.id: o for o in question.options}
    rows = []
    for position, option in enumerate(options):
        row = existing.pop(option["id"], None) or QuestionOption()
        row.position, row.text, row.correct = position, option["text"], option["correct"]
        rows.append(row)
    question.options = rows


def add_question(
    actor, activity: Activity, *, text, multiple, explanation, options, expected_version
) -> Question:
    """Add a question at the end of a knowledge check."""
    _begin(actor, activity, expected_version)
    text, explanation, multiple, options = _input(text, explanation, multiple, options)
    question = Question(
        text_md=text,
        multiple=multiple,
        explanation_md=explanation,
        position=max((q.position for q in activity.questions), default=-1) + 1,
    )
    _set_options(question, [dict(o, id=None) for o in options])
    activity.questions.append(question)
    touch(activity)
    db.session.flush()
    section = activity.section
    audit(
        "question_added",
        actor,
        section.family,
        section.module_code,
        question,
        None,
        question_values(question),
    )
    return question


def update_question(
    actor, question: Question, *, text, multiple, explanation, options, expected_version
) -> Question:
    """Change a question's wording, its answers and which of them are right."""
    activity = question.activity
    _begin(actor, activity, expected_version)
    text, explanation, multiple, options = _input(text, explanation, multiple, options)
    before = question_values(question)
    question.text_md, question.multiple, question.explanation_md = text, multiple, explanation
    _set_options(question, options)
    db.session.flush()
    before, after = changed(before, question_values(question))
    if after:
        touch(activity)
        db.session.flush()
        section = activity.section
        audit("question_updated", actor, section.family, section.module_code, question, before, after)
    return question


def move_question(actor, question: Question, *, direction: str | None, expected_version) -> Question:
    """Swap a question with the one before or after it."""
    activity = question.activity
    _begin(actor, activity, expected_version)
    touch(activity)
    move_audited(
        "question_moved", actor, activity.section, activity.questions, question, direction, "question", _ID
    )
    return question


def delete_question(actor, question: Question, *, expected_version) -> None:
    """Delete a question and its answers."""
    activity = question.activity
    _begin(actor, activity, expected_version)
    before = question_values(question)
    activity.questions.remove(question)
    renumber(activity.questions)
    touch(activity)
    db.session.flush()
    section = activity.section
    audit("question_deleted", actor, section.family, section.module_code, question, before, None)

"""Forms of the content authoring pages. Services own the rules; the forms only read and type the input."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)

from modules.authoring.rules import MINUTES_MAX, MINUTES_MIN, OPTIONS_MAX, SESSION_KINDS
from modules.content.models import Activity, ActivityKind, Question, Section

MINUTES_KW = {"inputmode": "numeric", "min": MINUTES_MIN, "max": MINUTES_MAX}
MINUTES_HINT = f"About how long a coordinator needs, from {MINUTES_MIN} to {MINUTES_MAX} minutes."


class SectionForm(FlaskForm):
    title = StringField("Section title")


class NewActivityForm(FlaskForm):
    # Unknown kinds are reported by the service, in words, rather than by WTForms' generic message.
    kind = SelectField("Kind", choices=[(k.value, k.label) for k in ActivityKind], validate_choice=False)
    title = StringField("Title")
    minutes = StringField("Minutes", default="15", render_kw=MINUTES_KW)


class ActivityForm(FlaskForm):
    title = StringField("Title")
    minutes = StringField("Minutes", description=MINUTES_HINT, render_kw=MINUTES_KW)
    body = TextAreaField(
        "Text",
        description="Markdown: **bold**, *italic*, lists with -, links as [words](https://...). "
        "Press Preview to see it as candidates will.",
        render_kw={"rows": 16},
    )
    url = StringField("Web address of the resource", description="Starting with https://.")
    criteria = StringField(
        "Assessment criteria the answer can evidence",
        description="Criteria refs of this module with spaces between them, for example M01.1.1 M01.2.3.",
    )
    session_kind = SelectField(
        "Completed by attending", choices=list(SESSION_KINDS.items()), validate_choice=False
    )
    requires_previous = BooleanField("Candidates must finish the activity before this one first")
    try_is_enough = BooleanField("A try is enough: the check is done once every question is answered")
    version = HiddenField()


class OptionForm(Form):
    id = HiddenField()
    text = StringField("Answer")
    correct = BooleanField("Right answer")


class QuestionForm(FlaskForm):
    text = TextAreaField("Question", render_kw={"rows": 3})
    multiple = BooleanField("Candidates choose all the answers that apply (more than one can be right)")
    options = FieldList(FormField(OptionForm), max_entries=OPTIONS_MAX)
    explanation = TextAreaField(
        "Explanation",
        description="Shown after the candidate answers: why the right answers are right. Markdown.",
        render_kw={"rows": 4},
    )
    version = HiddenField()


class LockForm(FlaskForm):
    """Hidden values the outline's buttons send: the version of the row shown, and a move's direction."""

    class Meta:
        csrf = False  # CSRFProtect has already checked the request; this form only reads hidden values

    version = HiddenField()
    direction = HiddenField()


def outline_forms(sections: list[Section]) -> dict[str, FlaskForm]:
    """Every form of the outline page, by prefix, filled from the saved sections."""
    forms: dict[str, FlaskForm] = {"add-section": SectionForm(formdata=None, prefix="add-section")}
    for s in sections:
        forms[f"section-{s.id}"] = SectionForm(
            formdata=None, prefix=f"section-{s.id}", data={"title": s.title}
        )
        forms[f"add-activity-{s.id}"] = NewActivityForm(formdata=None, prefix=f"add-activity-{s.id}")
    return forms


def activity_form(activity: Activity) -> ActivityForm:
    """The activity form filled from the saved activity."""
    data = {
        "title": activity.title,
        "minutes": str(activity.minutes),
        "body": activity.body_md,
        "url": activity.url or "",
        "criteria": activity.criteria_refs,
        "session_kind": activity.session_kind or "",
        "requires_previous": activity.requires_previous,
        "try_is_enough": activity.try_is_enough,
        "version": str(activity.version),
    }
    return ActivityForm(formdata=None, data=data)


def question_form(activity: Activity, question: Question | None = None) -> QuestionForm:
    """The question form filled from a saved question (or empty), with blank rows for more answers."""
    options = (
        [{"id": str(o.id), "text": o.text, "correct": o.correct} for o in question.options]
        if question
        else []
    )
    blanks = min(max(4 - len(options), 2), OPTIONS_MAX - len(options))
    options += [{"id": "", "text": "", "correct": False}] * blanks
    data = {"options": options, "version": str(activity.version)}
    if question is not None:
        data |= {
            "text": question.text_md,
            "multiple": question.multiple,
            "explanation": question.explanation_md,
        }
    return QuestionForm(formdata=None, data=data)

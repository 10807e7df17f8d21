"""Forms of the working portfolio."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.forms import CheckboxesField
from portfolio.evidence.rules import BODY, CONTEXT, MAX_BODY, MAX_URL, TITLE, URL_PROBLEMS, tag_choices
from portfolio.mapping.services import MAX_NOTE

ANONYMISED_LABEL = (
    "I confirm no pupil can be identified from this evidence: "
    "names, photos and details are removed or changed"
)


class _ContentForm(FlaskForm):
    title = StringField(
        "Title",
        validators=TITLE.validators(),
    )
    activity_date = DateField(
        "Date of the activity", validators=[DataRequired("Enter the date of the activity.")]
    )
    context_md = TextAreaField(
        "Context",
        validators=CONTEXT.validators(),
        render_kw={"rows": 4},
    )
    body_md = TextAreaField(
        "Your written account",
        validators=[Length(max=MAX_BODY, message=BODY["account"].too_long)],
        render_kw={"rows": 12},
    )
    url = StringField(
        "Web address",
        validators=[Length(max=MAX_URL, message=URL_PROBLEMS["too_long"])],
        render_kw={"inputmode": "url", "spellcheck": "false"},
    )
    file = FileField("File")
    anonymised = BooleanField(ANONYMISED_LABEL)

    def for_kind(self, kind: str, *, editing: bool = False) -> _ContentForm:
        """Keep only the content fields this kind of evidence has."""
        if kind not in ("account", "discussion"):
            del self.body_md
        elif kind == "discussion":
            self.body_md.label.text = "Record of the discussion"
        if kind != "link":
            del self.url
        if kind != "file":
            del self.file
        elif editing:
            self.file.label.text = "Replace the file (optional)"
        return self


class TagsForm(FlaskForm):
    tags = SelectMultipleField("Tags", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tags.choices = tag_choices()


class ItemForm(_ContentForm, TagsForm):
    """A new item: its content and its tags (declared after the content fields, so shown after them)."""


class EditItemForm(_ContentForm):
    version = HiddenField()


class MapForm(FlaskForm):
    # Checkboxes with nothing ticked: a candidate chooses each criterion (the service refuses unknown ones).
    criterion = CheckboxesField("Criteria this item shows", choices=[])
    note = TextAreaField(
        "How this item shows them (optional)",
        validators=[Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE:,} characters.")],
        render_kw={"rows": 2},
    )


class UnmapForm(FlaskForm):
    criterion = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    module = SelectField("Module", validators=[Optional()], validate_choice=False)
    tag = SelectField("Tag", validators=[Optional()], validate_choice=False)
    unmapped = BooleanField("Only items not mapped to any criterion")

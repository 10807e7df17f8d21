"""Forms of workplace assessment: planning and recording observations, acknowledging them, competence
sign-off, and witness testimony (the request and the witness's answer)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from assessors.witness.services import MAX_NAME
from assessors.workplace.services.observations import JUDGEMENTS, MAX_COMMENT, MAX_SCHOOL, MAX_TEXT
from assessors.workplace.services.signoffs import MAX_BASIS, MAX_NOTE, MAX_REASON

SIGN_LABEL = "Your full name, as your signature"
SIGN_HINT = (
    "Type your name exactly as it is on your account. It signs the record and is kept in the audit trail."
)
ANONYMISED = "I confirm no pupil can be identified from this record"


def _long(label: str, limit: int, rows: int = 6, *, required: str | None = None) -> TextAreaField:
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(
        label,
        validators=[*validators, Length(max=limit, message=f"Keep it under {limit:,} characters.")],
        render_kw={"rows": rows},
    )


def _short(label: str, limit: int, required: str) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(required), Length(max=limit, message=f"Keep it under {limit} characters.")],
    )


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token and the version the page showed."""

    version = HiddenField()


class PlanObservationForm(FlaskForm):
    planned_for = DateField("Date of the observation", validators=[DataRequired("Enter the date.")])
    school = _short("School", MAX_SCHOOL, "Enter the school where the observation takes place.")
    focus_md = _long("What will be observed", MAX_TEXT, required="Say what will be observed.")
    criteria = SelectMultipleField("Criteria to observe", validate_choice=False)


def record_form(refs: list[str], formdata=None, **data) -> RecordObservationForm:
    """The write-up form, with a judgement and a comment for each planned criterion."""

    class _Form(RecordObservationForm):
        pass

    for i, ref in enumerate(refs):
        setattr(
            _Form,
            f"judgement_{i}",
            RadioField(
                f"Judgement on {ref}",
                choices=list(JUDGEMENTS.items()),
                validators=[InputRequired(f"Choose met or not yet met for {ref}.")],
            ),
        )
        setattr(_Form, f"comment_{i}", _long(f"Comment on {ref} (optional)", MAX_COMMENT, rows=2))
    if formdata is None:
        return _Form(formdata=None, **data)
    return _Form(formdata=formdata, **data)


class RecordObservationForm(FlaskForm):
    version = HiddenField()
    draft_revision = HiddenField()  # the record is kept as a draft on the server while it is written
    observed_on = DateField("Date observed", validators=[DataRequired("Enter the date of the observation.")])
    narrative_md = _long("What you saw", MAX_TEXT, rows=10, required="Write what you saw.")
    anonymised = BooleanField(ANONYMISED)
    signed_name = _short(SIGN_LABEL, MAX_NAME, "Type your full name to sign.")

    def judgements(self, refs: list[str]) -> dict[str, tuple[str | None, str]]:
        """The judgement and comment typed for each criterion."""
        return {
            ref: (self[f"judgement_{i}"].data, self[f"comment_{i}"].data or "") for i, ref in enumerate(refs)
        }


class AcknowledgeForm(FlaskForm):
    version = HiddenField()
    comment = _long("Your comment (optional)", MAX_COMMENT, rows=3)


class SignoffForm(FlaskForm):
    criterion = SelectField(
        "Criterion", validators=[DataRequired("Choose a criterion.")], validate_choice=False
    )
    basis = _short(
        "What the sign-off rests on", MAX_BASIS, "Say what the sign-off rests on, for example a discussion."
    )
    note_md = _long("Note (optional)", MAX_NOTE, rows=3)
    signed_name = _short(SIGN_LABEL, MAX_NAME, "Type your full name to sign.")


class WithdrawSignoffForm(FlaskForm):
    reason = _long("Reason for withdrawing", MAX_REASON, rows=2, required="Give the reason for withdrawing.")


class WitnessRequestForm(FlaskForm):
    item = SelectField("Evidence", validate_choice=False)
    criteria = SelectMultipleField("Criteria the witness is asked to confirm", validate_choice=False)
    witness_name = _short("Witness's name", MAX_NAME, "Enter the witness's name.")
    witness_email = StringField(
        "Witness's email address",
        validators=[
            DataRequired("Enter the witness's email address."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    witness_role = _short(
        "Witness's role at the school", MAX_NAME, "Enter the witness's role, for example senior leader."
    )


class WitnessResponseForm(FlaskForm):
    confirmed = SelectMultipleField("Criteria you can confirm", validate_choice=False)
    comment = _long("Comment (optional)", MAX_COMMENT, rows=3)
    name = _short("Your name", MAX_NAME, "Enter your name.")
    role = _short("Your role", MAX_NAME, "Enter your role.")

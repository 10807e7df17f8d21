"""The form for removing or replacing a member of a cohort's staff."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import Length, Optional

from assessors.staffing.services import Take


def _person_id(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class ChoiceRadios(RadioField):
    """Radios whose unknown or unoffered values are the service's to refuse in words."""

    def pre_validate(self, form) -> None:
        return None


class RemoveStaffForm(FlaskForm):
    role = HiddenField()
    # Which choices apply depends on the role and on who else is in the cohort: the view sets them, and the
    # service refuses a choice that does not fit, in words.
    take = ChoiceRadios("Who takes over", choices=[(t.value, t.label) for t in Take], validators=[Optional()])
    to = SelectField(
        "Assessor who takes them", coerce=_person_id, validate_choice=False, validators=[Optional()]
    )
    email = StringField(
        "Email address of the replacement",
        description="Someone with an account and the role already (invite them first if not).",
        validators=[Optional(), Length(max=254)],
    )

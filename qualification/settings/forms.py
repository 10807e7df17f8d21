"""Forms of a cohort's settings page and of copying a cohort."""

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import VERSION_VALIDATORS
from qualification.cohorts.forms import choice_deadline_field, turnaround_field
from qualification.cohorts.models import AllocationRule
from qualification.cohorts.rules import COHORT_NAME
from qualification.settings.rules import CLOSURE_LABEL, MAX_SUPPLY_POUNDS, SUPPLY_MESSAGE


def _name_field(label: str, description: str) -> StringField:
    return StringField(label, description=description, validators=COHORT_NAME.validators())


class SettingsForm(FlaskForm):
    name = _name_field("Cohort name", "For example: Certificate 2027, Northmoor")
    start_date = DateField("Start date", validators=[InputRequired("Enter the start date.")])
    end_date = DateField("End date", validators=[Optional()], description="Leave empty for no end date.")
    choice_deadline = choice_deadline_field()
    turnaround_days = turnaround_field(
        "Monday to Friday except bank holidays and the closure days below, from submission to a decision."
    )
    allocation_rule = RadioField(
        "When a candidate joins the cohort",
        choices=[(rule.value, rule.label) for rule in AllocationRule],
        validators=[InputRequired("Choose how candidates who join get an assessor.")],
    )
    supply_cost = DecimalField(
        "Supply cover day rate (£)",
        places=2,
        validators=[
            InputRequired(SUPPLY_MESSAGE),
            NumberRange(min=0, max=MAX_SUPPLY_POUNDS, message=SUPPLY_MESSAGE),
        ],
        description="What a school pays for a day of supply cover, for release letters. Usually about 180.",
    )
    version = HiddenField(validators=VERSION_VALIDATORS)


class ClosureForm(FlaskForm):
    first_day = DateField(
        "First day closed", validators=[InputRequired("Enter the first day the university is closed.")]
    )
    last_day = DateField(
        "Last day closed", validators=[Optional()], description="Leave empty when it is a single day."
    )
    label = StringField(
        "Description (optional)",
        description="For example: Christmas closure",
        validators=[Optional(), Length(max=CLOSURE_LABEL.max_length, message=CLOSURE_LABEL.too_long)],
    )


class RemoveClosureForm(FlaskForm):
    closure = IntegerField(validators=[InputRequired("Reload the page and try again.")])
    # The closure's first day as the page showed it: an id alone could name a newer closure that reused it.
    first_day = DateField(validators=[InputRequired("Reload the page and try again.")])


def _version_id(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class MoveVersionForm(FlaskForm):
    # Any id is the service's to refuse in words (not newer, not published, or without the cohort's award).
    target = SelectField(
        "Move to",
        coerce=_version_id,
        validate_choice=False,
        validators=[DataRequired("Choose the version to move to.")],
    )
    version = HiddenField(validators=VERSION_VALIDATORS)


class CopyForm(FlaskForm):
    name = _name_field("Name of the new cohort", "Each year in this cohort's name has been moved on by one.")

"""Forms for setting up cohorts."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from qualification.cohorts.models import SESSION_KIND_LABELS, AllocationRule
from qualification.cohorts.rules import (
    COHORT_NAME,
    MAX_TURNAROUND,
    MIN_TURNAROUND,
    SCHOOL,
    TURNAROUND_MESSAGE,
)


def choice_deadline_field() -> DateField:
    return DateField(
        "Last day to change optional modules",
        validators=[Optional()],
        description="Leave empty for no deadline.",
    )


def turnaround_field(description: str, *, required: bool = True, **options) -> IntegerField:
    """The cohort's target for judging a submission, in working days (the cohorts table's range)."""
    return IntegerField(
        "Target for judging a submission (working days)",
        validators=[
            InputRequired(TURNAROUND_MESSAGE) if required else Optional(),
            NumberRange(min=MIN_TURNAROUND, max=MAX_TURNAROUND, message=TURNAROUND_MESSAGE),
        ],
        description=description,
        **options,
    )


class CohortForm(FlaskForm):
    name = StringField(
        "Cohort name",
        description="For example: Certificate 2027, Northmoor",
        validators=[DataRequired(), Length(max=COHORT_NAME.max_length)],
    )
    offer = SelectField("Award or CPD module", validators=[DataRequired("Choose what the cohort studies.")])
    start_date = DateField("Start date", validators=[DataRequired("Enter the start date.")])
    choice_deadline = choice_deadline_field()
    turnaround_days = turnaround_field(
        "Monday to Friday except bank holidays and closure days, from submission to a decision. Usually 15.",
        required=False,
        default=15,
    )


class TurnaroundForm(FlaskForm):
    days = turnaround_field(
        "Monday to Friday except bank holidays and the cohort's closure days, from submission to a decision. "
        "Assessors' queues count against it."
    )
    version = HiddenField()


class CandidateForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the candidate's name."), Length(max=200)])
    email = StringField(
        "Email address",
        validators=[DataRequired("Enter their email address."), Email("Enter a valid email address.")],
    )
    school = StringField("School", validators=[Optional(), Length(max=SCHOOL.max_length)])


class CandidatesCsvForm(FlaskForm):
    csv_file = FileField(
        "CSV file",
        description="One candidate a line: name, email, school. A first line 'name,email,school' is skipped.",
    )


class StaffForm(FlaskForm):
    email = StringField(
        "Email address of an existing account",
        validators=[DataRequired("Enter their email address."), Length(max=254)],
    )
    role = SelectField(
        "Role in this cohort",
        choices=[("assessor", "Assessor"), ("tutor", "Tutor"), ("iqa", "Internal quality assurer")],
    )


class AllocationForm(FlaskForm):
    candidate = SelectField("Candidate", coerce=int)
    assessor = SelectField("Assessor", coerce=int)
    # "unallocated": the form was on the cohort's Unallocated queue, so go back there after saving.
    back = HiddenField()


class AllocationRuleForm(FlaskForm):
    rule = RadioField(
        "When a candidate joins the cohort",
        choices=[(rule.value, rule.label) for rule in AllocationRule],
        validators=[DataRequired("Choose how candidates who join get an assessor.")],
    )


class SessionForm(FlaskForm):
    kind = SelectField("Kind", choices=[(k.value, label) for k, label in SESSION_KIND_LABELS.items()])
    title = StringField("Title", validators=[DataRequired("Give the session a title."), Length(max=200)])
    starts_at = DateTimeLocalField(
        "Starts (UK time)", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Enter when it starts.")]
    )
    ends_at = DateTimeLocalField(
        "Ends (UK time)", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Enter when it ends.")]
    )
    place = StringField("Place", validators=[Optional(), Length(max=200)])
    link = StringField("Joining link (online sessions)", validators=[Optional(), Length(max=500)])
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1, max=10000)],
        description="Leave empty for no limit.",
    )
    module_codes = StringField(
        "Modules it serves",
        description="Module codes separated by spaces or commas, for example: M01 M02",
        validators=[Optional(), Length(max=400)],
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

"""Forms of a candidate's membership page: a break, the return, withdrawal, transfer."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from qualification.membership.services import CHOOSE_COHORT, REASON


def _reason(hint: str) -> TextAreaField:
    return TextAreaField("Reason", description=hint, validators=REASON.validators())


class BreakForm(FlaskForm):
    # Optional here: the service says what is missing, with the other rules about these dates.
    starts_on = DateField("First day of the break", validators=[Optional()])
    expected_return_on = DateField("Expected back on", validators=[Optional()])
    reason = _reason("For example: maternity leave, illness, a change of role at school.")


class ReturnForm(FlaskForm):
    returned_on = DateField("Came back on", validators=[Optional()])


class WithdrawForm(FlaskForm):
    reason = _reason("Kept with their record. The candidate is not shown it.")


class TransferForm(FlaskForm):
    # Any other cohort may be chosen: the service says plainly why one that does not fit is refused.
    cohort = SelectField(
        "Move to cohort",
        choices=[],  # the page lists the cohorts that fit; the service checks the one sent
        coerce=int,
        validate_choice=False,
        validators=[NumberRange(min=1, message=CHOOSE_COHORT)],
    )
    reason = _reason("For example: needs a later start, moved to a school in another region.")

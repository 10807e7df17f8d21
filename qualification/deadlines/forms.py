"""Forms of deadlines and extensions. The dates are checked by the services (rules.py), which know today
and the candidate's deadline now; the texts take their validators from the services' rules."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired

from qualification.deadlines.rules import NOTE, REASON, REFUSAL


class DeadlineForm(FlaskForm):
    # The service says in words when a module is not one of the cohort's.
    module_code = SelectField("Module", validators=[InputRequired("Choose a module.")], validate_choice=False)
    due_on = DateField(
        "Deadline",
        validators=[InputRequired("Enter the deadline.")],
        description=(
            "Work is on time until the end of this day (UK time). Setting a module again moves its deadline."
        ),
    )


class ExtensionRequestForm(FlaskForm):
    proposed_until = DateField(
        "The date you propose", validators=[InputRequired("Enter the date you propose.")]
    )
    reason = TextAreaField(
        "Why you need more time",
        validators=REASON.validators(),
        description="Your tutor or course leader reads this. Say what happened and how much time you need.",
        render_kw={"rows": 5},
    )


class GrantForm(FlaskForm):
    until = DateField("New deadline", validators=[InputRequired("Enter the new deadline.")])
    note = TextAreaField(
        "Note to the candidate (optional)", validators=NOTE.validators(), render_kw={"rows": 3}
    )


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        "Why the request is refused", validators=REFUSAL.validators(), render_kw={"rows": 3}
    )

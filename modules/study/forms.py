"""Forms for studying."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from modules.study.rules import MAX_NOTE_CHARS, MAX_REFLECTION_CHARS


class DraftForm(FlaskForm):
    text = TextAreaField("Your answer", validators=[Length(max=MAX_REFLECTION_CHARS)])
    revision = HiddenField(default="0")


class FinishForm(FlaskForm):
    revision = HiddenField(default="0")


class LogForm(FlaskForm):
    studied_on = DateField("Date", validators=[DataRequired("Enter the date you studied.")])
    minutes = IntegerField(
        "Minutes",
        validators=[InputRequired("Enter how many minutes."), NumberRange(1, 720, "Between 1 and 720.")],
        id="log-minutes",  # the planner's own "minutes" input is on the same page
    )
    module_code = SelectField("Module", validators=[Optional()])
    note = StringField("Note (optional)", validators=[Optional(), Length(max=MAX_NOTE_CHARS)])


class PlanForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    minutes = IntegerField(
        "How many minutes do you have tonight?",
        validators=[
            InputRequired("Enter a number of minutes."),
            NumberRange(5, 240, "Between 5 and 240 minutes."),
        ],
    )

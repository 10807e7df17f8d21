"""Forms of internal quality assurance and examiner access; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from core.forms import VERSION_VALIDATORS, CheckboxesField


class SamplingPlanForm(FlaskForm):
    version = HiddenField(validators=VERSION_VALIDATORS)
    base_percent = IntegerField(
        "Share of each assessor's decisions sampled (%)",
        description="A floor on each assessor's coverage in the cohort, from 0 to 100.",
        validators=[InputRequired("Enter a percentage from 0 to 100.")],
    )
    first_decisions = IntegerField(
        "Always sample an assessor's first decisions",
        description="How many of each assessor's first decisions in the cohort are sampled (0 to 100).",
        validators=[InputRequired("Enter a number of decisions from 0 to 100.")],
    )
    all_apl = BooleanField("Sample every APL claim decision")
    all_referrals = BooleanField("Sample every referral (and every APL claim not accepted in full)")
    all_trainees = BooleanField("Sample every decision by a trainee assessor")
    trainees = CheckboxesField("Trainee assessors in this cohort", coerce=int)


class ReviewForm(FlaskForm):
    """Read from the hand-written review form of templates/assessors/_quality_actions.html."""

    version = HiddenField(validators=VERSION_VALIDATORS)
    verdict = HiddenField()
    reasons_md = TextAreaField("Reasons", validators=[Optional()])


class SampleForm(FlaskForm):
    version = HiddenField(validators=VERSION_VALIDATORS)


class ReopenForm(FlaskForm):
    version = HiddenField(validators=VERSION_VALIDATORS)
    reason = TextAreaField("Reason for reopening", validators=[Optional()])


class GrantAccessForm(FlaskForm):
    examiner = SelectField("External examiner", coerce=int, validate_choice=False)
    candidates = CheckboxesField("Candidates in the sample", coerce=int)
    ends_on = DateField(
        "Last day of access",
        description="Access ends automatically at the end of this day (UK time).",
        validators=[InputRequired("Enter the last day of access.")],
    )
    note = TextAreaField("Note to the examiner (optional)", validators=[Optional()])


class RevokeAccessForm(FlaskForm):
    pass

"""Forms for submitting modules and claiming prior learning."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from core.forms import CheckboxesField
from portfolio.apl.rules import MAX_TEXT_CHARS, MAX_TITLE_CHARS

SCOPE_CHOICES = [
    ("module", "The whole module"),
    ("outcome", "One learning outcome"),
    ("criteria", "Some assessment criteria"),
]


class SubmitModuleForm(FlaskForm):
    statement = TextAreaField(
        "A note to your assessor (optional)",
        validators=[Optional(), Length(max=20_000)],
        description="For example, how your evidence fits together. Markdown is allowed.",
    )
    # A checkbox the review builds; its value names the gaps it confirms (SubmissionReview.confirmation).
    confirm_gaps = StringField("Confirm the gaps", validators=[Optional(), Length(max=40)])


class WithdrawForm(FlaskForm):
    """Only the CSRF token: withdrawing needs no input."""


class SubmitClaimForm(FlaskForm):
    """Only the CSRF token: submitting a claim needs no input."""


class ChangeClaimForm(FlaskForm):
    """What a claim puts forward; kept as a draft on the server as it is typed (`draft_revision`)."""

    draft_revision = HiddenField()
    awarding_body = StringField("Awarding body", validators=[Optional(), Length(max=MAX_TITLE_CHARS)])
    certificate_title = StringField("Certificate title", validators=[Optional(), Length(max=MAX_TITLE_CHARS)])
    certificate_level = IntegerField(
        "Level", validators=[Optional(), NumberRange(1, 8, "Enter a level from 1 to 8.")]
    )
    certificate_credits = IntegerField(
        "Credits on the certificate", validators=[Optional(), NumberRange(0, 540, "Enter 0 to 540 credits.")]
    )
    awarded_on = DateField("Date awarded", validators=[Optional()])
    certificate_file = FileField("The certificate (a scan or PDF)")
    experience = TextAreaField(
        "Your experience",
        validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
        description="What you did, where and when, and how it shows the criteria. Markdown is allowed.",
    )
    own_part = TextAreaField(
        "Your own part, if it was a team's work",
        validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
    )
    evidence = CheckboxesField("Evidence from your portfolio", choices=[], coerce=int)


class AplClaimForm(ChangeClaimForm):
    """A new claim: what it claims, and what it puts forward."""

    scope = RadioField("What are you claiming?", choices=SCOPE_CHOICES, default="module")
    outcome = RadioField("Learning outcome", choices=[], validate_choice=False, validators=[Optional()])
    criteria = CheckboxesField("Assessment criteria", choices=[])


def claim_form_data(claim) -> dict:
    """A claim's details as the change form shows them (its evidence by item: the form offers items)."""
    return {
        "awarding_body": claim.awarding_body,
        "certificate_title": claim.certificate_title,
        "certificate_level": claim.certificate_level,
        "certificate_credits": claim.certificate_credits,
        "awarded_on": claim.awarded_on,
        "experience": claim.experience_md,
        "own_part": claim.own_part_md,
        "evidence": [e.version.item_id for e in claim.evidence],
    }

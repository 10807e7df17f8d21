"""Forms of the exam board. The board's form carries a decision per candidate as fields of its own
(`outcome-<id>`, `reason-<id>`), read by the view; the rules are the services' (rules.py)."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, TextAreaField
from wtforms.validators import InputRequired, Regexp

from qualification.boards.rules import NOTES, REVOKING


class BoardForm(FlaskForm):
    held_on = DateField(
        "Date of the board",
        validators=[InputRequired("Enter the date the exam board met.")],
        description="The date its certificates carry. Not in the future, nor before the cohort started.",
    )
    notes = TextAreaField(
        "Minutes or notes (optional)",
        validators=NOTES.validators(),
        description="Kept with the board's record for staff; candidates do not see them.",
        render_kw={"rows": 4},
    )
    # The cohort's last board when the page was drawn: a board recorded since is noticed, not repeated.
    seen = HiddenField(
        validators=[InputRequired("Reload the page."), Regexp(r"^\d{1,9}$", message="Reload.")]
    )
    # The candidates the page showed, in its order (the board decides on these and no others).
    candidates = HiddenField(validators=[Regexp(r"^[\d ]*$", message="Reload the page.")])


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Why the certificate is revoked",
        validators=REVOKING.validators(),
        description="The candidate is told this reason. It is kept with the certificate for staff.",
        render_kw={"rows": 4},
    )
    # Set by the confirmation step's button: the first send only asks "are you sure?".
    confirmed = HiddenField()

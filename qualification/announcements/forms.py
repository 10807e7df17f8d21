"""The announcement form. Its key is made when the form is drawn: the same form sent twice posts once."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Regexp

from qualification.announcements.models import TITLE_MAX
from qualification.announcements.rules import AUDIENCE_MISSING, BODY, TITLE

MARKDOWN_HINT = "You can use Markdown: *italic*, **bold**, lists and links."
RELOAD = "This form is out of date. Reload the page, then send the announcement again."


def _new_key() -> str:
    return secrets.token_urlsafe(24)


class AnnouncementForm(FlaskForm):
    audience = SelectField(
        "Send to",
        description=(
            "Behind on a module: studying it, and not yet handed it in or achieved it. The cohort's staff "
            "read every announcement on the cohort page."
        ),
        validators=[InputRequired(AUDIENCE_MISSING)],
        # An unknown choice is the service's to refuse, in its words, not WTForms' "Not a valid choice".
        validate_choice=False,
    )
    title = StringField("Title", validators=TITLE.validators(), render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField(
        "Announcement", description=MARKDOWN_HINT, validators=BODY.validators(), render_kw={"rows": 10}
    )
    form_key = HiddenField(
        default=_new_key,
        validators=[InputRequired(RELOAD), Regexp(r"^[A-Za-z0-9_-]{16,64}$", message=RELOAD)],
    )

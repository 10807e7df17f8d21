"""Forms of the forums. Text lengths are checked by the services, after CRLF line ends become LF."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from qualification.forums.models import TITLE_MAX

MARKDOWN_HINT = "You can use Markdown: *italic*, **bold**, lists, links and > quotes."


def _written(label: str, missing: str, *, rows: int, markdown: bool = False) -> TextAreaField:
    """A required text box (`missing`: the message when it is left empty); a post's body is Markdown."""
    hint = MARKDOWN_HINT if markdown else ""
    return TextAreaField(
        label, description=hint, validators=[DataRequired(missing)], render_kw={"rows": rows}
    )


class ThreadForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the thread a title."), Length(max=TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = _written("Your post", "Write your post.", rows=8, markdown=True)


class ReplyForm(FlaskForm):
    body = _written("Your reply", "Write your reply.", rows=6, markdown=True)


class EditPostForm(FlaskForm):
    body = _written("Your post", "Write your post.", rows=8, markdown=True)
    # The post's version when the form was opened: a later change by anyone makes this save a 409.
    version = HiddenField()

    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1


class ReportForm(FlaskForm):
    reason = _written(
        "Why should a moderator look at this post?", "Say why you are reporting this post.", rows=3
    )


class HideForm(FlaskForm):
    reason = _written(
        "Reason for hiding (the cohort's moderators see it)", "Say why you are hiding this post.", rows=2
    )

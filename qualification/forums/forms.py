"""Forms of the forums. Text lengths are checked by the services, after CRLF line ends become LF."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from qualification.forums.models import TITLE_MAX

MARKDOWN_HINT = "You can use Markdown: *italic*, **bold**, lists, links and > quotes."


class ThreadForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the thread a title."), Length(max=TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX},
    )
    body = TextAreaField(
        "Your post",
        description=MARKDOWN_HINT,
        validators=[DataRequired("Write your post.")],
        render_kw={"rows": 8},
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        "Your reply",
        description=MARKDOWN_HINT,
        validators=[DataRequired("Write your reply.")],
        render_kw={"rows": 6},
    )


class EditPostForm(FlaskForm):
    body = TextAreaField(
        "Your post",
        description=MARKDOWN_HINT,
        validators=[DataRequired("Write your post.")],
        render_kw={"rows": 8},
    )
    # The post's version when the form was opened: a later change by anyone makes this save a 409.
    version = HiddenField()

    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1


class ReportForm(FlaskForm):
    reason = TextAreaField(
        "Why should a moderator look at this post?",
        validators=[DataRequired("Say why you are reporting this post.")],
        render_kw={"rows": 3},
    )


class HideForm(FlaskForm):
    reason = TextAreaField(
        "Reason for hiding (the cohort's moderators see it)",
        validators=[DataRequired("Say why you are hiding this post.")],
        render_kw={"rows": 2},
    )

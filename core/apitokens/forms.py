"""The form an administrator issues an API token with. The service checks the rules (expiry within a year,
a scope chosen, the account) and says what is wrong in words; the form reads and types the input."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional

from core.apitokens.models import Scope, TokenKind
from core.apitokens.rules import TOKEN_NAME
from core.forms import CheckboxesField


class IssueTokenForm(FlaskForm):
    name = StringField(
        "What the token is for",
        validators=TOKEN_NAME.validators(),
        description="For example: Student records system. People read this in the list of tokens.",
    )
    kind = RadioField(
        "The token acts as",
        choices=[
            (
                TokenKind.SERVICE.value,
                "A new service account, for a system (it reads every cohort, as a course "
                "leader does, and can never sign in)",
            ),
            (TokenKind.PERSONAL.value, "An existing account (a person, or a service account made before)"),
        ],
        default=TokenKind.SERVICE.value,
        validators=[InputRequired("Choose whose account the token acts as.")],
    )
    email = StringField(
        "Email address of the existing account",
        validators=[Optional(), Length(max=254)],
        description="Only for an existing account. The token sees and does only what that account may.",
    )
    scopes = CheckboxesField(
        "What the token may do", choices=[(s.value, s.label) for s in Scope], default=[Scope.READ.value]
    )
    expires_on = DateField(
        "Works until the end of",
        validators=[InputRequired("Enter the day the token stops working.")],
        description="At most a year from today. Issue a new token before then, and revoke this one.",
    )
    form_key = HiddenField()

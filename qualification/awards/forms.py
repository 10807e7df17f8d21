"""Forms of the award editor; the spec's rules live in award_editing, these only read the input."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

# The award's version when the page was opened: a form saved after someone else's change is refused (409).
_VERSION = [InputRequired("Reload the page and try again."), Regexp(r"^\d{1,9}$", message="Reload the page.")]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; choices are set by the view."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # Unknown codes are the service's to refuse, with a message in words rather than "not a valid choice".
        return None


class NewAwardForm(FlaskForm):
    code = StringField("Code", description="2 to 20 capital letters, digits or hyphens, for example DIP.")
    title = StringField("Title")
    level = IntegerField("Level", validators=[InputRequired("Enter a level from 3 to 8.")])
    credits = IntegerField("Credits", validators=[InputRequired("Enter the award's credits.")])


class AwardDetailsForm(FlaskForm):
    version = HiddenField(validators=_VERSION)
    title = StringField("Title")
    level = IntegerField("Level", validators=[InputRequired("Enter a level from 3 to 8.")])
    credits = IntegerField(
        "Credits",
        description="UK credits; 1 credit is 10 notional hours and half an ECTS credit.",
        validators=[InputRequired("Enter the award's credits.")],
    )
    apl_max_credits = IntegerField(
        "Most credits from prior learning (APL)",
        description="0 when the award accepts no accredited prior learning.",
        validators=[InputRequired("Enter 0 or more credits.")],
    )


class ModulesForm(FlaskForm):
    version = HiddenField(validators=_VERSION)
    modules = CheckboxesField("Compulsory modules")


class OptionGroupForm(FlaskForm):
    version = HiddenField(validators=_VERSION)
    title = StringField("Group title", description="What candidates see, for example: One option.")
    min_credits = IntegerField("Fewest credits", validators=[InputRequired("Enter the fewest credits.")])
    max_credits = IntegerField("Most credits", validators=[InputRequired("Enter the most credits.")])
    modules = CheckboxesField("Modules to choose from")


class AwardLinksForm(FlaskForm):
    version = HiddenField(validators=_VERSION)
    awards = CheckboxesField("Awards")


class ConfirmForm(FlaskForm):
    version = HiddenField(validators=_VERSION)

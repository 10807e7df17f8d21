"""Forms of the module editor. Services own the rules; the forms only read and type the input."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import whole
from modules.catalogue.models import AssessmentMethod

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]")


def field_key(ref: str) -> str:
    """A ref made safe for form prefixes and HTML ids (refs are free text in the spec format)."""
    # "_" is escaped too, so two different refs never share a key.
    return _UNSAFE.sub(lambda m: f"_{ord(m.group()):x}_", ref)


class ModuleForm(FlaskForm):
    title = StringField("Title")
    level = IntegerField("Level", description="The FHEQ level, from 3 to 8.", render_kw={"min": 3, "max": 8})
    credits = IntegerField("Credits", render_kw={"min": 1, "max": 180})
    summary = TextAreaField("Summary", description="Markdown, shown in the catalogue.", render_kw={"rows": 6})
    cpd = BooleanField("Can be taken on its own as CPD")


class NewModuleForm(FlaskForm):
    code = StringField("Code", description="2 to 20 capital letters, digits or hyphens, for example M15.")
    title = StringField("Title")
    level = IntegerField("Level", description="The FHEQ level, from 3 to 8.", render_kw={"min": 3, "max": 8})
    credits = IntegerField("Credits", render_kw={"min": 1, "max": 180})


class OutcomeForm(FlaskForm):
    text = TextAreaField("Learning outcome", render_kw={"rows": 2})


class CriterionForm(FlaskForm):
    text = TextAreaField("Assessment criterion", render_kw={"rows": 2})
    # Unknown values are reported by the service, in words, rather than by WTForms' generic message.
    methods = SelectMultipleField(
        "Assessment methods",
        choices=[(m.value, m.label) for m in AssessmentMethod],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class LockForm(FlaskForm):
    """Hidden values every editing form sends: the revision and version shown, and a move's direction."""

    class Meta:
        csrf = False  # CSRFProtect has already checked the request; this form only reads hidden values

    module_id = HiddenField()
    version = HiddenField()
    direction = HiddenField()

    def expected(self) -> dict:
        """The values as the services' expected_module_id and expected_version (None when missing)."""
        return {
            "expected_module_id": whole(self.module_id.data),
            "expected_version": whole(self.version.data),
        }


class StartDraftForm(FlaskForm):
    """The start-a-draft button; `module` names the module page it was pressed on, if any."""

    class Meta:
        csrf = False  # CSRFProtect has already checked the request

    module = HiddenField()

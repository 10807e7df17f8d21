"""Forms of the queue and the marking pages: filters, the judgement (built per assessment), release."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, HiddenField, RadioField, SelectField, TextAreaField

from assessors.marking.models import APL_DECISIONS, SUBMISSION_DECISIONS, VACS, Assessment, AssessmentKind

OUTCOME_CHOICES = [("met", "Met"), ("not_yet_met", "Not yet met")]
YES_NO = [("yes", "Yes"), ("no", "No")]
VACS_QUESTIONS = {
    "valid": "Valid: does the evidence show these criteria?",
    "authentic": "Authentic: is it the candidate's own work?",
    "current": "Current: is it recent enough to show competence now?",
    "sufficient": "Sufficient: is there enough of it?",
}
VACS_REASON_HINT = {
    "apl": "Needed for each check of a decision on prior learning.",
    "submission": "Needed when the answer is no; the candidate reads it when the decision is released.",
}
KIND_CHOICES = [
    ("", "All kinds"),
    ("submission", "Submissions"),
    ("resubmission", "Resubmissions"),
    ("iqa_return", "IQA returns"),
    ("apl", "APL claims"),
    ("observation", "Observations to write up"),
    ("observation_plan", "Observations to plan"),
]
SORT_CHOICES = [("oldest", "Oldest first"), ("newest", "Newest first")]


class QueueFilterForm(Form):
    """The queue's filters, read from the query string (a GET form: nothing changes, no CSRF token)."""

    cohort = SelectField("Cohort", validate_choice=False)
    module = SelectField("Module", validate_choice=False)
    kind = SelectField("Kind of work", choices=KIND_CHOICES, validate_choice=False)
    overdue = BooleanField("Only overdue work")
    sort = SelectField("Order", choices=SORT_CHOICES, validate_choice=False)


def queue_filter_form(args, cohorts, codes) -> QueueFilterForm:
    """The filter form bound to the query string, offering the assessor's cohorts and their modules."""
    form = QueueFilterForm(args)
    form.cohort.choices = [("", "All cohorts")] + [(str(c.id), c.name) for c in cohorts]
    form.module.choices = [("", "All modules")] + [(code, code) for code in codes]
    return form


class StartForm(FlaskForm):
    """Only the CSRF token: starting to mark needs no input."""


class ReleaseForm(FlaskForm):
    """The CSRF token, and the version of the decision as it was shown."""

    version = HiddenField()


class JudgementForm(FlaskForm):
    """The parts every judgement has; the criteria's fields are added per assessment."""

    version = HiddenField()
    feedback_md = TextAreaField(
        "Overall feedback to the candidate",
        description="The candidate reads this when the decision is released. Markdown is allowed.",
        render_kw={"rows": 8},
    )
    action_md = TextAreaField(
        "What the candidate needs to do next",
        description="Needed for a referral or a request for more evidence. Markdown is allowed.",
        render_kw={"rows": 4},
    )
    vacs_errors: list[str]

    def criterion_fields(self, ref: str):
        """The (met / not yet met, comment) fields of one criterion."""
        return self[f"outcome-{ref}"], self[f"comment-{ref}"]

    def override_field(self, ref: str):
        """The reason for judging a criterion met when no allowed method backs it."""
        return self[f"override-{ref}"]

    def overrides(self) -> dict[str, str]:
        return {
            name.removeprefix("override-"): f.data or ""
            for name, f in self._fields.items()
            if name.startswith("override-")
        }

    def vacs_fields(self):
        """Each VACS question with the field for its reason."""
        return [(self[f"vacs_{name}"], self[f"vacs_{name}_note"]) for name in VACS]

    def vacs_notes(self) -> dict[str, str]:
        return {name: self[f"vacs_{name}_note"].data or "" for name in VACS}

    def outcomes(self) -> dict[str, str | None]:
        return {
            name.removeprefix("outcome-"): f.data or None
            for name, f in self._fields.items()
            if name.startswith("outcome-")
        }

    def comments(self) -> dict[str, str]:
        return {
            name.removeprefix("comment-"): f.data or ""
            for name, f in self._fields.items()
            if name.startswith("comment-")
        }

    def vacs(self) -> dict[str, bool | None]:
        answers = {"yes": True, "no": False}
        return {name: answers.get(self[f"vacs_{name}"].data or "") for name in VACS}


def judgement_form(assessment: Assessment) -> JudgementForm:
    """The judgement form (bound to a POST's data, else the saved judgement): criteria, VACS, decision."""
    decisions = SUBMISSION_DECISIONS if assessment.kind == AssessmentKind.SUBMISSION else APL_DECISIONS

    class Bound(JudgementForm):
        pass

    for judgement in assessment.judgements:
        ref = judgement.criterion_ref
        setattr(
            Bound,
            f"outcome-{ref}",
            RadioField(f"{ref}: judgement", choices=OUTCOME_CHOICES, validate_choice=False),
        )
        setattr(Bound, f"comment-{ref}", TextAreaField(f"Comment on {ref}", render_kw={"rows": 3}))
        setattr(
            Bound,
            f"override-{ref}",
            TextAreaField(
                f"Reason for judging {ref} met without an allowed method",
                description="Only when no allowed method backs it. The decision then always goes to the "
                "IQA, who reads this reason, and so does the external examiner.",
                render_kw={"rows": 2},
            ),
        )
    for name in VACS:
        setattr(
            Bound, f"vacs_{name}", RadioField(VACS_QUESTIONS[name], choices=YES_NO, validate_choice=False)
        )
        setattr(
            Bound,
            f"vacs_{name}_note",
            TextAreaField(
                f"Reason: {name}", description=VACS_REASON_HINT[assessment.kind], render_kw={"rows": 2}
            ),
        )
    Bound.decision = RadioField(
        "Decision", choices=[(d.value, d.label) for d in decisions], validate_choice=False
    )
    data = {
        "version": assessment.version,
        "feedback_md": assessment.feedback_md,
        "action_md": assessment.action_md,
        "decision": assessment.decision,
    }
    for judgement in assessment.judgements:
        data[f"outcome-{judgement.criterion_ref}"] = judgement.outcome
        data[f"comment-{judgement.criterion_ref}"] = judgement.comment
        data[f"override-{judgement.criterion_ref}"] = judgement.override_reason
    for name, value in assessment.vacs.items():
        data[f"vacs_{name}"] = None if value is None else ("yes" if value else "no")
        data[f"vacs_{name}_note"] = assessment.vacs_notes[name]
    form = Bound(data=data)
    form.vacs_errors = []
    return form

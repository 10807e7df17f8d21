"""The cohort report's filters: a GET form (nothing changes, so no CSRF token), read from the query string."""

from __future__ import annotations

from wtforms import Form, SelectField

from qualification.results.queries.cohort import CohortReport, ReportFilters
from qualification.results.rules.figures import NOT_ALLOCATED
from qualification.spec import Spec

PROGRESS_CHOICES = [("yes", "Have achieved it"), ("no", "Have not achieved it yet")]


class ReportFilterForm(Form):
    module = SelectField("Module", validate_choice=False)
    progress = SelectField("On that module, candidates who", choices=PROGRESS_CHOICES, validate_choice=False)
    state = SelectField("Membership", validate_choice=False)
    assessor = SelectField("Assessor", validate_choice=False)

    def filters(self, spec: Spec) -> ReportFilters:
        """What to show; a value the page never offered (an old link, a typed address) shows everyone."""
        module = self.module.data if self.module.data in {m.code for m in spec.modules} else None
        assessor = self.assessor.data or None
        if assessor not in (None, NOT_ALLOCATED) and not assessor.isdigit():
            assessor = None
        state = (self.state.data or "").strip()[:40] or None
        achieved = self.progress.data != "no"
        return ReportFilters(module=module, achieved=achieved, state=state, assessor=assessor)

    def offer(self, report: CohortReport) -> ReportFilterForm:
        """The choices: the qualification's modules, the states and assessors the cohort's candidates have."""
        modules = [(m.code, f"{m.code} {m.title}") for m in report.spec.modules]
        self.module.choices = [("", "Any module"), *modules]
        choices = report.choices
        self.state.choices = [("", "Anyone")] + [(state, state) for state in choices.states]
        self.assessor.choices = [("", "Any assessor")] + [(str(i), name) for name, i in choices.assessors]
        if choices.unallocated:
            self.assessor.choices.append((NOT_ALLOCATED, "Not allocated"))
        return self

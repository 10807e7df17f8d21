"""Field rules of cohorts, shared by the forms and the services (each rule and its message written once)."""

from __future__ import annotations

from core.validation import Text, title_rule

COHORT_NAME = title_rule(200, "Give the cohort a name of up to 200 characters.")
SCHOOL = Text(200, "Enter a school name of up to 200 characters.")  # optional: a candidate may have none

"""The cohort tests' fixture: a signed-in course leader with the demo qualification published."""

from tests.qualification.cohorts.conftest import leader  # noqa: F401 (the fixture, shared)

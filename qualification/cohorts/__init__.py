"""qualification.cohorts."""

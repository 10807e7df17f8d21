"""A cohort's settings over its year and its closure days; copying it for next year; moving it to a newer
version."""

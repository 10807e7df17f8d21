"""Workplace assessment use cases: observations, and competence sign-off."""

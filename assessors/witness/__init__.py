"""Witness testimony: a one-time link to a named person at the school, bound to one evidence version."""

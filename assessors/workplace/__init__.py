"""assessors.workplace."""

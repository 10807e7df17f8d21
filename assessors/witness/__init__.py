"""assessors.witness."""

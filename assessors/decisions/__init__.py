"""assessors.decisions."""

"""assessors.marking."""

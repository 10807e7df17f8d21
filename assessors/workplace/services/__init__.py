"""assessors.workplace.services."""

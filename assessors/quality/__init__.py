"""assessors.quality."""

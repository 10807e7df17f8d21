"""assessors.examiner."""

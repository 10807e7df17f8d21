"""assessors.queue."""

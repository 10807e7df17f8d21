"""assessors.queue.queries."""

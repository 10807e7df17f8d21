"""core.people."""

"""core.db."""

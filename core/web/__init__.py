"""core.web."""

"""core.home."""

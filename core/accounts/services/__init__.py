"""core.accounts.services."""

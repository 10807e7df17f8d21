"""Drafts of long forms on the server: what a person types, saved as they type (issue 11, section 5)."""

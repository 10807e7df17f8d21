"""modules.content."""

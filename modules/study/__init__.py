"""modules.study."""

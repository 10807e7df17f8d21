"""modules.authoring."""

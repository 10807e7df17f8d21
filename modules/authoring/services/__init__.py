"""modules.authoring.services."""

"""qualification.editor."""

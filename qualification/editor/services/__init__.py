"""qualification.editor.services."""

"""qualification.versions."""

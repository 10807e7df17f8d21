"""qualification.compare."""

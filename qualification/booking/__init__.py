"""qualification.booking."""

"""qualification.calendar."""

"""qualification.awards."""

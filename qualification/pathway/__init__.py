"""qualification.pathway."""

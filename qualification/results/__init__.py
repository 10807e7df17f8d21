"""qualification.results."""

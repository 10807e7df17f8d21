"""portfolio.files."""

"""portfolio.records."""

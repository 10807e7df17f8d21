"""portfolio.evidence."""

"""portfolio.mapping."""

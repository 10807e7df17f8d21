"""portfolio.submissions."""

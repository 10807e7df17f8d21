"""portfolio.export."""

"""portfolio.apl."""

"""Pure rules of results: whether an award is met (award.py) and the cohort report's figures (figures.py)."""

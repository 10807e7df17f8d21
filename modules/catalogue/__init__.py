"""The module catalogue: modules, their learning outcomes and assessment criteria with their methods."""

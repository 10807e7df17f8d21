"""The module catalogue and its delivery: modules, outcomes, criteria, sections, activities, progress."""

"""The module catalogue and its delivery: modules, outcomes, criteria, sections and activities, study progress."""

"""modules.planner."""

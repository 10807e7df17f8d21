"""Submitting a module for assessment as a frozen snapshot, withdrawing it, and its released outcome."""

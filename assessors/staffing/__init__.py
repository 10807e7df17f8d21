"""Removing or replacing a cohort's assessor or IQA, with a clear choice of who takes their waiting work."""

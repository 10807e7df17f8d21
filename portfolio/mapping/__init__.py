"""Mapping evidence to assessment criteria, and the gap view per module."""

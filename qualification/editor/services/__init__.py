"""Editing a draft version, one file per level: the draft itself, its modules, their outcomes and criteria."""

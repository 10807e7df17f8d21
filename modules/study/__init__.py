"""Studying a module: enrolment, progress, completions, knowledge checks, reflection drafts, the home
panel.
"""

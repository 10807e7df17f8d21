"""Announcements: the course leader or a tutor tells the cohort (or those behind on a module) something."""

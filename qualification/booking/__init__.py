"""Booking places in cohort sessions, attendance, reminders and the personal calendar feed."""

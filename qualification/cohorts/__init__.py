"""Cohorts: an intake of one award or CPD module, its people, allocation, calendar, the cohort home panel."""

"""Module deadlines of a cohort, candidates' extensions, and the reminders a week and a day before."""

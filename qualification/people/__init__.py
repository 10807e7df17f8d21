"""A cohort's candidates as people: invited, joined, last active; resending and withdrawing invitations."""

"""Cohort forums: a general forum per cohort and one per module of its award, threads, posts, moderation."""

"""The exam board: a cohort's results confirmed (ratified) or a candidate deferred, with the board's date."""

"""The read side of results: transcripts, the cohort report and the report across a leader's cohorts, and
their downloads (CSV, XLSX)."""

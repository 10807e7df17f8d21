"""External examiner access: a time-limited, read-only window onto a sample of a cohort."""

"""The JSON API, version 1: read qualifications, cohorts, enrolments, progress, released results and awards;
enrol candidates. It lives in qualification because it reads qualification's rows (and modules' below)."""

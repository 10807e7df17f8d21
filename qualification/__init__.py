"""Awards and tiers built from modules, versions, spec import/export, cohorts and calendars, achievement."""

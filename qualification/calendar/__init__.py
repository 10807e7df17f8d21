"""Published cohort calendars: the page, the iCalendar feed and release letters to schools."""

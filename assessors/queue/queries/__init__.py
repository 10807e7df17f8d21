"""The queue's read side: the page and its counts, and the SQL of each kind of work."""

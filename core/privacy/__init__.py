"""Privacy by the book: what Waymark holds about a person, table by table, and their archive."""

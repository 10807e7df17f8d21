"""API tokens: issued by an administrator for a records system (a service account) or a person, scoped,
expiring, stored as a hash, revocable; the JSON API authenticates and rate-limits with them."""

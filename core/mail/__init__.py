"""Email through an outbox table: requests queue messages, a separate sender delivers them."""

"""In-app notifications and their email delivery: immediate or a daily digest, quiet hours respected."""

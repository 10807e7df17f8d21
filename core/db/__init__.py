"""The database underneath: engine set-up, UTC times, statement counting, the model registry, backups."""

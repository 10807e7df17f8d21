"""modules.catalogue."""

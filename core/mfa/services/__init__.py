"""Multi-factor sign-in use cases: they flush; the caller commits."""

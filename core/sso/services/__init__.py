"""Single sign-on use cases: the protocol (oidc.py) and the accounts it signs in to (accounts.py)."""

"""Multi-factor sign-in: an authenticator app (TOTP) with one-time recovery codes, and passkeys."""

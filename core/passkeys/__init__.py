"""Passkeys (WebAuthn) as a second way to confirm a sign-in, beside the authenticator app (core/mfa)."""

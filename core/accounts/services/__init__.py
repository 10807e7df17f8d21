"""Account use cases, one file per concern: accounts, signing in and out, invitations and resets."""

"""People: accounts, roles, sessions, invitations and password resets."""

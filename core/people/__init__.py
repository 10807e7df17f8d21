"""Administering accounts and inviting people: the admin's and the course leader's pages."""

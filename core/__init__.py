"""Waymark's shared foundation: app factory, accounts, audit, mail, storage, markdown."""

"""Certificates: what a ratified award or CPD module issues, numbered, checkable and revocable."""

"""Qualifications and their versions: create, import a spec, publish, export."""

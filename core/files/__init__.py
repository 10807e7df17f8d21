"""Stored files: the content-addressed store, what a file really is, download names and headers, streamed
uploads.
"""

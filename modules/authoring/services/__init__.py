"""Authoring use cases, one file per part of the outline: sections and activities, activity text,
questions, files.
"""

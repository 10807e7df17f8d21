"""Authoring module content in the browser: outlines, activities, questions, attached files, candidate
previews.
"""

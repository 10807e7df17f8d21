"""Marking a submission or APL claim criterion by criterion, with VACS, drafts, completion and release."""

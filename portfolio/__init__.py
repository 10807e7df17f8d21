"""The candidate's evidence: items, files, criterion mappings, gap view, APL claims, submissions, export."""

"""Per-request plumbing every area shares: route rules and their gate, security headers, the menu, Jinja
filters, email links, Markdown.
"""

"""The site's own pages: privacy notice, accessibility statement and help for each role, in Markdown."""

"""The working portfolio: evidence items and their versions, tags, anonymisation, finished reflections."""

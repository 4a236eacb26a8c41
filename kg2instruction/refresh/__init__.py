"""Scheduled refreshes: fetch a new dump, build the KG beside the old one, diff them, re-run only
the paragraphs the difference touches, and publish a new dataset version (see README.md)."""

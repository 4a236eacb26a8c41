"""Distant supervision: mentions, disambiguation, types, relation matching, schema constraint."""

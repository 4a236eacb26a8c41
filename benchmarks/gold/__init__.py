"""Scorers of the chain against human-annotated gold sets (tests/fixtures/gold/)."""

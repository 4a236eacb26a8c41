"""Text utilities shared across sources, the KG and stages."""

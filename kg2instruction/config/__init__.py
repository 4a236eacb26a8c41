"""Validated configuration: pipelines, themes, granularity overlays (pydantic, unknown keys rejected)."""

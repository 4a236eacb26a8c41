"""Folders of a run directory (`<cache>/<pipeline name>/`) that are not stage outputs.

Stage outputs live in `<run>/<stage name>/`, so a stage must never be named like one of these:
`kg2i cache gc` would look inside a published area, and a stage's output would land in it.
`register_stage` refuses these names and gc skips them (`core.registry`, `core.gc`).
"""
from __future__ import annotations

DATASETS = "datasets"       # published dataset versions (core.published)
ADAPTERS = "adapters"       # trained adapters
EVAL = "eval"               # predictions and metrics
MANIFESTS = "manifests"     # run manifests (core.manifest)
REPORTS = "reports"         # `kg2i report` HTML
REFRESH = "refresh"         # refresh lock and state
CHANGELOG = "changelog"     # refresh changelog entries

RESERVED_RUN_DIRS = frozenset({DATASETS, ADAPTERS, EVAL, MANIFESTS, REPORTS, REFRESH, CHANGELOG})

"""Bounds of the fuzz suite: few, fast examples, no deadline flakiness on a shared 2-core box.

Profiles: `fuzz-ci` (default, ~40 examples per property) and `fuzz-deep` (HYPOTHESIS_PROFILE
=fuzz-deep, 1,000 per property) for a longer hunt. The examples tried are counted into
`benchmarks/results/reliability.md` by `benchmarks/reliability.py`.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("fuzz-ci", max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz-deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz-ci"))

"""StageContext's funnel counters: what stage wrappers report for the run manifest."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.core.context import StageContext


def _ctx() -> StageContext:
    return StageContext(stage="s", shard_id="en-00000", lang="en", languages=("en",), seed=0,
                        theme=None, artifacts={}, base_dir=Path("."))


def test_count_all_adds_to_existing_counters_and_skips_zeros() -> None:
    ctx = _ctx()
    ctx.count("kept", 2)
    ctx.count_all({"kept": 3, "dropped.no_candidate": 4, "linked_by.exact": 0})
    assert ctx.take_counters() == {"dropped.no_candidate": 4, "kept": 5}
    assert ctx.take_counters() == {}   # taken counters start again from zero

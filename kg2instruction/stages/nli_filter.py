"""Stage `nli_filter`: the scored triples whose NLI score reaches their threshold.

Thresholds come from the theme (`nli_threshold`, per-relation overrides); the dropped triples are
kept by the sibling stage `nli_rejected`, so a threshold change needs no re-scoring.
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from kg2instruction.core import MapStage, StageConfig, StageContext, register_stage
from kg2instruction.nli.triple_scoring import keep_mask


class ThresholdConfig(StageConfig):
    """Thresholds come from the theme (`nli_threshold`, per-relation overrides)."""


def split_by_threshold(scored: pa.Table, theme) -> tuple[pa.Table, pa.Table]:
    """(kept, dropped) rows of a scored table under the theme's thresholds."""
    keep = pa.array(keep_mask(scored["relation"].to_pylist(),
                              scored["nli_score"].to_pylist(), theme), pa.bool_())
    return scored.filter(keep), scored.filter(pc.invert(keep))


@register_stage
class NliFilter(MapStage):
    """Scored triples -> the triples whose score reaches their threshold."""

    name = "nli_filter"
    version = "1"
    Config = ThresholdConfig
    requires = ("score_nli",)
    theme_fields = ("nli_threshold", "relations")
    key = ("triple_id",)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        kept, dropped = split_by_threshold(inputs["score_nli"], ctx.theme)
        return self.pick(kept, dropped, ctx)

    def pick(self, kept: pa.Table, dropped: pa.Table, ctx: StageContext) -> pa.Table:
        """The half of the split this stage publishes (the other half is counted as dropped)."""
        ctx.count("dropped", n=dropped.num_rows, reason="nli_below_threshold")
        return kept

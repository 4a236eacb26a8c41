"""Stage `nli_rejected`: the side table of triples the NLI threshold dropped, with their scores."""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from kg2instruction.core import MapStage, StageContext, register_stage
from kg2instruction.stages.nli_filter import ThresholdConfig, split_by_threshold


@register_stage
class NliRejected(MapStage):
    """Scored triples -> the side table of triples the threshold dropped, with their scores."""

    name = "nli_rejected"
    version = "1"
    Config = ThresholdConfig
    requires = ("score_nli",)
    theme_fields = ("nli_threshold", "relations")
    key = ("triple_id",)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        kept, dropped = split_by_threshold(inputs["score_nli"], ctx.theme)
        ctx.count("dropped", n=kept.num_rows, reason="kept_by_nli")
        return dropped

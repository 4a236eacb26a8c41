"""Stage `nli_rejected`: the side table of triples the NLI threshold dropped, with their scores."""
from __future__ import annotations

import pyarrow as pa

from kg2instruction.core import StageContext, register_stage
from kg2instruction.stages.nli_filter import NliFilter, Split


@register_stage
class NliRejected(NliFilter):
    """Scored triples -> the side table of triples the threshold dropped, with their scores.

    The same split as `nli_filter`, publishing the other half, so a threshold change re-splits
    stored scores instead of re-scoring."""

    name = "nli_rejected"

    def pick(self, split: Split, ctx: StageContext) -> pa.Table:
        ctx.count("dropped", n=split.kept.num_rows, reason="kept_by_nli")
        return split.dropped

"""A CPU-bound map stage with a tunable cost: pure-Python character n-gram counting."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pyarrow as pa
import pydantic

from kg2instruction.core import MapStage, StageConfig, StageContext, register_stage


class NgramConfig(StageConfig):
    n: int = 3
    rounds: int = pydantic.Field(4, ge=1)   # cost knob that is also part of the output


def ngram_profile(text: str, n: int, rounds: int) -> tuple[int, str]:
    """Distinct n-grams and the most frequent one, recomputed `rounds` times (CPU work)."""
    counts: Counter[str] = Counter()
    for r in range(rounds):
        counts = Counter(text[i:i + n] for i in range(r % n, len(text) - n + 1))
    top = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else ""
    return len(counts), top


@register_stage
class NgramProfile(MapStage):
    name = "bench_ngrams"
    requires = ("read_wikipedia",)
    theme_fields = ()
    key = ("paragraph_id",)
    Config = NgramConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        table = inputs["read_wikipedia"]
        profiles = [ngram_profile(t, self.config.n, self.config.rounds)
                    for t in table["text"].to_pylist()]
        return pa.table({"paragraph_id": table["paragraph_id"],
                         "distinct": [p[0] for p in profiles], "top": [p[1] for p in profiles]})

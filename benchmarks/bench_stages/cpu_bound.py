"""A CPU-bound map stage with a tunable cost: pure-Python character n-gram counting."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pyarrow as pa
import pydantic

from kg2instruction.core import MapStage, Resources, StageConfig, StageContext, register_stage


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


@register_stage
class NgramProfileOneAtATime(NgramProfile):
    """The same work, but each shard claims 2 CPUs: on a 2-CPU Ray, shards run one at a time.

    Comparing it with `bench_ngrams` in one Ray session measures the speed-up of 2 workers over 1
    under the same background load (no second Ray start between the two timings)."""

    name = "bench_ngrams_serial"
    resources = Resources(cpus=2)


def profile_texts(texts: list[str], n: int, rounds: int) -> int:
    """The stage's work on one shard without the framework (the multiprocessing baseline)."""
    return len([ngram_profile(t, n, rounds) for t in texts])

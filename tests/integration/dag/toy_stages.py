"""Small but real stages used by the framework tests (registered through `plugins:`).

They exercise every stage kind on real paragraphs (from `read_wikipedia`) or a plain text file:
they compute something from their input, so a framework bug (lost rows, wrong shard, stale cache)
changes their output.
"""
from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pydantic

from kg2instruction.config.pipeline import SourceFile
from kg2instruction.core import (ArtifactStage, MapStage, ReduceStage, SourceStage, StageConfig,
                                 StageContext, execution_knob, register_stage)


class LinesConfig(StageConfig):
    lines_per_shard: int = pydantic.Field(4, ge=1)


@register_stage
class ToyLines(SourceStage):
    """Each line of a text file becomes a row (`paragraph_id` = line number)."""

    name = "toy_lines"
    sources = ("lines",)
    theme_fields = ()
    Config = LinesConfig

    def read(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        for table in line_shards(source, path, self.config.lines_per_shard):
            ctx.count("lines", n=table.num_rows)
            yield table


def line_shards(source: SourceFile, path: Path, size: int) -> Iterator[pa.Table]:
    """A text file's lines, `size` per shard, each row keyed by its line number."""
    lines = path.read_text("utf-8").splitlines()
    for start in range(0, len(lines), size):
        chunk = lines[start:start + size]
        yield pa.table({"paragraph_id": [f"{source.shard_prefix}:{start + i:06d}"
                                         for i in range(len(chunk))],
                        "text": chunk})


class TokensConfig(StageConfig):
    min_tokens: int = 0
    sleep_seconds: float = execution_knob(0.0, "slow the stage down (crash tests)")


@register_stage
class ToyTokens(MapStage):
    """Token count per paragraph, a seeded random draw, and a threshold drop with a reason."""

    name = "toy_tokens"
    requires = ("read_wikipedia",)
    theme_fields = ("theme",)
    seeded = True
    Config = TokensConfig
    key = ("paragraph_id",)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        time.sleep(self.config.sleep_seconds)
        table = inputs[self.requires[0]]
        tokens = pc.list_value_length(pc.utf8_split_whitespace(table["text"]))
        keep = pc.greater_equal(tokens, self.config.min_tokens)
        ctx.count("dropped", n=len(table) - pc.sum(keep).as_py(), reason="few_tokens")
        rng = random.Random(ctx.seed)
        out = pa.table({"paragraph_id": table["paragraph_id"], "tokens": tokens,
                        "n_links": pc.list_value_length(table["links"]),
                        "draw": [rng.random() for _ in range(len(table))]}).filter(keep)
        # shuffled on purpose: the framework must restore the key order
        return out.take(sorted(range(len(out)), key=lambda _: rng.random()))


@register_stage
class ToyLinesUpper(MapStage):
    name = "toy_upper"
    requires = ("toy_lines",)
    theme_fields = ()
    Config = TokensConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        time.sleep(self.config.sleep_seconds)
        table = inputs["toy_lines"]
        tokens = pa.array([len(text.split()) for text in table["text"].to_pylist()])
        keep = pc.greater_equal(tokens, self.config.min_tokens)
        ctx.count("dropped", n=len(table) - pc.sum(keep).as_py(), reason="few_tokens")
        return pa.table({"paragraph_id": table["paragraph_id"],
                         "text": pc.utf8_upper(table["text"])}).filter(keep)


class HistogramConfig(StageConfig):
    bucket: int = 10


@register_stage
class ToyHistogram(ReduceStage):
    """Needs every shard: a histogram of token counts over the whole corpus."""

    name = "toy_histogram"
    requires = ("toy_tokens",)
    theme_fields = ()
    key = ("bucket",)
    Config = HistogramConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        buckets = pc.multiply(pc.divide(inputs["toy_tokens"]["tokens"], self.config.bucket),
                              self.config.bucket)
        counts = pa.table({"bucket": buckets}).group_by("bucket").aggregate([("bucket", "count")])
        return counts.rename_columns(["bucket", "paragraphs"])


class LexiconConfig(StageConfig):
    words: list[str] = ["the", "of"]


@register_stage
class ToyLexicon(ArtifactStage):
    """An artifact: a JSON word list other stages open through the context."""

    name = "toy_lexicon"
    provides = "lexicon"
    theme_fields = ()
    Config = LexiconConfig
    opened = 0

    def build(self, sources: Mapping[str, Sequence[Path]], out_dir: Path,
              ctx: StageContext) -> Mapping[str, int]:
        (out_dir / "words.json").write_bytes(orjson.dumps(sorted(self.config.words)))
        return {"words": len(self.config.words)}

    @classmethod
    def open(cls, artifact_dir: Path, config: StageConfig) -> frozenset[str]:
        cls.opened += 1
        return frozenset(orjson.loads((artifact_dir / "words.json").read_bytes()))


@register_stage
class ToyLexiconHits(MapStage):
    name = "toy_hits"
    requires = ("toy_upper", "toy_lexicon")
    theme_fields = ()

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        words = {w.upper() for w in ctx.artifact("lexicon")}
        table = inputs["toy_upper"]
        hits = [sum(t in words for t in text.split()) for text in table["text"].to_pylist()]
        return pa.table({"paragraph_id": table["paragraph_id"], "hits": hits})


@register_stage
class ToyModel(MapStage):
    """A model stage: `setup` builds the 'model' once per worker (an actor pool under Ray)."""

    name = "toy_model"
    requires = ("read_wikipedia",)
    theme_fields = ()
    uses_model = True
    key = ("paragraph_id",)

    def setup(self, ctx: StageContext) -> None:
        self.weights = {chr(c): (c * 7919) % 101 for c in range(32, 0x3000)}

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        table = inputs["read_wikipedia"]
        scores = [sum(self.weights.get(ch, 0) for ch in text) % 1000
                  for text in table["text"].to_pylist()]
        return pa.table({"paragraph_id": table["paragraph_id"], "score": scores})


class StopwordsConfig(StageConfig):
    stopwords_file: str = "data/stop.txt"


@register_stage
class ToyStopwords(MapStage):
    """Reads a project file named in its config (`file_fields`): edits to it invalidate the cache."""

    name = "toy_stopwords"
    requires = ("toy_lines",)
    theme_fields = ()
    file_fields = ("stopwords_file",)
    Config = StopwordsConfig

    def setup(self, ctx: StageContext) -> None:
        self.stop = set(ctx.path(self.config.stopwords_file).read_text("utf-8").split())

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        table = inputs["toy_lines"]
        kept = [" ".join(w for w in t.split() if w not in self.stop)
                for t in table["text"].to_pylist()]
        return pa.table({"paragraph_id": table["paragraph_id"], "text": kept})


@register_stage
class ToyKGLabels(MapStage):
    """Looks each line (a QID) up in the KG artifact through `ctx.kg`."""

    name = "toy_kg_labels"
    requires = ("toy_lines", "build_kg")
    theme_fields = ()

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        table = inputs["toy_lines"]
        qids = table["text"].to_pylist()
        labels = ctx.kg.labels(qids, "en")
        ctx.count("dropped", n=sum(q not in labels for q in qids), reason="no_label")
        return pa.table({"paragraph_id": table["paragraph_id"],
                         "label": [labels.get(q) for q in qids]})

"""Test stages that can only finish if shards stream between stages (registered via `plugins:`).

`toy_gated_lines` publishes its first shard, then (with `gate_dir` set) waits until
`toy_gate_mark` has processed that shard before reading on. Under a barrier the mark stage cannot start before the source is
complete, so the source gives up after `gate_seconds` and the run fails; streaming passes the
first shard on at once. The gate file lives outside the cache (an execution knob, not output).
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pydantic

from kg2instruction.config.pipeline import SourceFile
from kg2instruction.core import (MapStage, SourceStage, StageConfig, StageContext,
                                 execution_knob, register_stage)
from tests.integration.dag.toy_stages import line_shards

GATE_FILE = "first-shard-seen"


class GatedConfig(StageConfig):
    lines_per_shard: int = pydantic.Field(4, ge=1)
    gate_dir: str = execution_knob("", "folder where toy_gate_mark signals the first shard")
    gate_seconds: float = execution_knob(60.0, "how long the source waits for the signal")


@register_stage
class ToyGatedLines(SourceStage):
    name = "toy_gated_lines"
    sources = ("gated",)
    theme_fields = ()
    Config = GatedConfig

    def read(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        for index, table in enumerate(line_shards(source, path, self.config.lines_per_shard)):
            if index == 1 and self.config.gate_dir:
                self._wait_for_downstream()
            yield table

    def _wait_for_downstream(self) -> None:
        gate = Path(self.config.gate_dir) / GATE_FILE
        deadline = time.monotonic() + self.config.gate_seconds
        while not gate.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("toy_gate_mark never saw the first shard: no streaming")
            time.sleep(0.05)


class MarkConfig(StageConfig):
    gate_dir: str = execution_knob("", "folder for the first-shard signal")


@register_stage
class ToyGateMark(MapStage):
    name = "toy_gate_mark"
    requires = ("toy_gated_lines",)
    theme_fields = ()
    Config = MarkConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        table = inputs["toy_gated_lines"]
        if self.config.gate_dir:
            (Path(self.config.gate_dir) / GATE_FILE).touch()
        return pa.table({"paragraph_id": table["paragraph_id"],
                         "text": pc.utf8_upper(table["text"])})


@register_stage
class ToyGateWords(MapStage):
    """A second streamed stage after the mark (a chain, not a single hop)."""

    name = "toy_gate_words"
    requires = ("toy_gate_mark", "toy_gated_lines")
    theme_fields = ()

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        upper, lines = inputs["toy_gate_mark"], inputs["toy_gated_lines"]
        words = pc.list_value_length(pc.utf8_split_whitespace(lines["text"]))
        ctx.count("dropped", n=len(lines) - len(upper), reason="none")
        return pa.table({"paragraph_id": upper["paragraph_id"], "words": words})

"""The stage contract: what a pipeline step declares and the one method it implements.

A stage is a small class whose `process` never opens files: the framework reads its input shards,
hands it Arrow tables, and writes what it returns (atomically, with stats and a done marker). That is what
makes a stage testable on a hand-built table, cacheable by fingerprint and runnable unchanged on
the local or the Ray executor. Four kinds cover the pipeline:

- `MapStage`: one output shard per input shard (same shard ids). Most stages.
- `SourceStage`: turns an input file (a dump, a corpus) into shards; the only kind that reads
  files, because reading its source is its whole job.
- `ReduceStage`: needs every upstream shard at once (label-centric sampling, splits).
- `ArtifactStage`: builds a file or directory (the DuckDB KG) once; later stages open it read-only
  through the context (`ctx.kg`).

Writing a new map stage::

    import pyarrow as pa
    import pyarrow.compute as pc
    from kg2instruction.core import MapStage, StageConfig, register_stage, execution_knob

    @register_stage
    class DropShort(MapStage):
        \"\"\"Drop paragraphs too short to hold a triple.\"\"\"
        name = "drop_short"
        version = "1"
        requires = ("read_wikipedia",)
        key = ("paragraph_id",)
        theme_fields = ()                 # reads nothing from the theme

        class Config(StageConfig):
            min_chars: int = 80
            batch_size: int = execution_knob(1024)   # not part of the fingerprint

        def process(self, inputs, ctx):
            table = inputs["read_wikipedia"]
            keep = pc.greater_equal(pc.utf8_length(table["text"]), self.config.min_chars)
            ctx.count("dropped", reason="too_short", n=len(table) - pc.sum(keep).as_py())
            return table.filter(keep)

Then list it under `stages:` in the pipeline YAML (`drop_short: {min_chars: 100}`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import pyarrow as pa
import pydantic

if TYPE_CHECKING:
    from kg2instruction.config.pipeline import SourceFile
    from kg2instruction.core.context import StageContext

StageKind = Literal["source", "map", "reduce", "artifact"]

EXECUTION_MARK = "execution"


def execution_knob(default: Any, description: str | None = None) -> Any:
    """A config field that changes how a stage runs, never what it outputs (batch size, threads).

    Knobs are left out of the fingerprint, so tuning them reuses the cache."""
    return pydantic.Field(default, description=description,
                          json_schema_extra={EXECUTION_MARK: True})


class StageConfig(pydantic.BaseModel):
    """Base of every stage's config: unknown keys are errors (a typo must not pass silently)."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Resources:
    """What one unit of the stage needs; the Ray executor requests exactly this."""

    cpus: float = 1.0
    gpus: float = 0.0


class Stage:
    """Common declarations of every stage kind (see the module docstring for an example).

    Class attributes:
      name          registered name, used in pipeline YAML and `requires`.
      version       bump when the output changes meaning: it is part of the fingerprint.
      Config        pydantic model of the stage's parameters (extra keys forbidden).
      requires      names of upstream stages; tables from table-producing ones arrive as inputs,
                    artifact ones are reachable through the context.
      resources     cpus/gpus per unit of work.
      uses_model    load something heavy in `setup`: the Ray executor runs the stage on an actor
                    pool so the load happens once per actor, not once per shard.
      theme_fields  top-level theme fields the stage reads (hashed into the fingerprint);
                    `None` = the whole theme, `()` = the stage does not depend on the theme.
      sources       pipeline source kinds whose files the stage reads (their ids are fingerprinted).
      key           output sort columns: rows are written in this order whatever the executor
                    (default: the first of triple_id, mention_id, paragraph_id in the output).
      seeded        the stage uses `ctx.seed`, so the run seed is part of its fingerprint.
      file_fields   config fields naming project files the stage reads itself (a type table, a
                    label overlay): their paths are confined to the project and their content
                    is fingerprinted; open them with `ctx.path(self.config.<field>)`.
    """

    kind: ClassVar[StageKind]
    name: ClassVar[str]
    version: ClassVar[str] = "1"
    Config: ClassVar[type[StageConfig]] = StageConfig
    requires: ClassVar[tuple[str, ...]] = ()
    resources: ClassVar[Resources] = Resources()
    uses_model: ClassVar[bool] = False
    theme_fields: ClassVar[tuple[str, ...] | None] = None
    sources: ClassVar[tuple[str, ...]] = ()
    key: ClassVar[tuple[str, ...]] = ()
    seeded: ClassVar[bool] = False
    file_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def external_inputs(cls, config: StageConfig) -> list[dict[str, Any]]:
        """Identities of what outside the project the output depends on (model weights).

        Hashed into the fingerprint, so retraining a model in place re-runs the stage."""
        return []

    def __init__(self, config: StageConfig) -> None:
        self.config = config

    def setup(self, ctx: StageContext) -> None:
        """Load models or build lookup tables; called once per worker before any shard."""


class MapStage(Stage):
    """One output shard per input shard; inputs are the same-id shards of each table upstream."""

    kind: ClassVar[StageKind] = "map"

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        raise NotImplementedError


class ReduceStage(Stage):
    """Sees every shard of each upstream at once (concatenated in shard order).

    The returned table is cut into shards of `reduce_rows_per_shard` rows by the framework."""

    kind: ClassVar[StageKind] = "reduce"

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        raise NotImplementedError


class SourceStage(Stage):
    """Reads one source file and yields its content as consecutive shards.

    The framework names the shards `<source name>-00000`, `-00001`, ... in yield order, so the
    reader must yield the same tables on every run (it is re-read after a crash; shards already
    done are not rewritten)."""

    kind: ClassVar[StageKind] = "source"

    def read(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        raise NotImplementedError


class ArtifactStage(Stage):
    """Builds a file or directory once; downstream stages open it read-only via the context.

    `provides` names the handle (`"kg"` makes it `ctx.kg`). `build` reads the files of its
    declared `sources` (kind -> paths, in pipeline order) and writes into `out_dir`, a fresh
    temporary directory the framework publishes atomically; it returns counters to report.
    """

    kind: ClassVar[StageKind] = "artifact"
    provides: ClassVar[str]

    def build(self, sources: Mapping[str, Sequence[Path]], out_dir: Path,
              ctx: StageContext) -> Mapping[str, int]:
        raise NotImplementedError

    @classmethod
    def open(cls, artifact_dir: Path, config: StageConfig) -> Any:
        """Open the built artifact read-only for use in other stages' workers."""
        raise NotImplementedError


TABLE_KINDS: frozenset[str] = frozenset({"source", "map", "reduce"})

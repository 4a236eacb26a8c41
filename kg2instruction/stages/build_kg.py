"""Artifact stage: the Wikidata dump -> the DuckDB KG store, built once, then opened read-only.

DuckDB allows one writer, so the store is built by this single unit of work; every later stage
that `requires` it reaches it through `ctx.kg` (a `DuckDBKG`, opened once per worker process).
What goes into the store (`store:`) is fingerprinted; how hard the build works (`resources:`
batch size, threads, memory) is not, so tuning it never rebuilds the KG.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from kg2instruction.core import ArtifactStage, StageConfig, StageContext, execution_knob, register_stage
from kg2instruction.errors import ConfigError
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.build_config import BuildResources, KGBuildConfig
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.lookup_config import KGLookupConfig

STORE_FILE = "kg.duckdb"


class BuildKGConfig(StageConfig):
    store: KGBuildConfig = KGBuildConfig()
    # How readers of the store answer (the hub cap): not store content, but it changes what every
    # later stage sees, so it is fingerprinted like `store`.
    lookup: KGLookupConfig = KGLookupConfig()
    resources: BuildResources = execution_knob(BuildResources())


@register_stage
class BuildKG(ArtifactStage):
    """Ingest `sources.wikidata` (one `latest-all.json[.bz2|.gz]` dump) into `kg.duckdb`."""

    name = "build_kg"
    version = "3"   # 3: KG schema 3 (neighbour_rows); a store of an older schema is refused
    Config = BuildKGConfig
    sources = ("wikidata",)
    provides = "kg"
    theme_fields = ()
    config: BuildKGConfig

    def build(self, sources: Mapping[str, Sequence[Path]], out_dir: Path,
              ctx: StageContext) -> Mapping[str, int]:
        dumps = sources["wikidata"]
        if len(dumps) != 1:
            raise ConfigError(f"build_kg reads exactly one Wikidata dump, got {len(dumps)}",
                              key="sources.wikidata")
        summary = build_kg(dumps[0], out_dir / STORE_FILE, self.config.store,
                           self.config.resources)
        for line in summary.lines():
            ctx.log.info(line)
        return {k: v for k, v in summary.counts.items() if isinstance(v, int)}

    @classmethod
    def open(cls, artifact_dir: Path, config: StageConfig) -> DuckDBKG:
        lookup = config.lookup if isinstance(config, BuildKGConfig) else None
        return DuckDBKG(artifact_dir / STORE_FILE, lookup)

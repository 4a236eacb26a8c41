"""Units of work and the picklable description of a stage run that executors ship to workers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.config.pipeline import SourceFile
from kg2instruction.core.context import ArtifactRef


@dataclass(frozen=True)
class UpstreamOutput:
    """A finished upstream stage output: its directory and shards in order."""

    dir: Path
    shards: tuple[str, ...]


@dataclass(frozen=True)
class StageSpec:
    """Everything a worker needs to run any unit of one stage (sent once per stage)."""

    stage: str
    stage_ref: str
    config: dict[str, Any]
    fingerprint: str
    out_dir: Path
    theme: Any
    languages: tuple[str, ...]
    seed: int
    base_dir: Path
    artifacts: dict[str, ArtifactRef] = field(default_factory=dict)
    inputs: dict[str, UpstreamOutput] = field(default_factory=dict)
    source_paths: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # artifact stages
    reduce_rows_per_shard: int = 100_000


@dataclass(frozen=True)
class MapUnit:
    shard_id: str
    lang: str | None


@dataclass(frozen=True)
class SourceUnit:
    source: SourceFile
    path: Path


@dataclass(frozen=True)
class WholeUnit:
    """The single unit of a reduce or artifact stage."""


Unit = MapUnit | SourceUnit | WholeUnit


@dataclass(frozen=True)
class ShardOutcome:
    shard_id: str
    lang: str | None
    computed: bool      # False: a done shard found on disk (resume) and left untouched

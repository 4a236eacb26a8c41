"""The DAG framework: stages, registry, fingerprints, shard cache, executors, runs.

Stage authors need only what is exported here (see `kg2instruction.core.stage` for an example).
The exports are imported on first use: importing a light submodule such as `core.manifest`
(as the CLI does) must not pull in pyarrow through `core.stage`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kg2instruction.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from kg2instruction.core.context import StageContext
    from kg2instruction.core.registry import register_stage
    from kg2instruction.core.stage import (ArtifactStage, MapStage, ReduceStage, Resources,
                                           SourceStage, Stage, StageConfig, execution_knob)

_EXPORTS = {
    "StageContext": "kg2instruction.core.context",
    "register_stage": "kg2instruction.core.registry",
    **{name: "kg2instruction.core.stage" for name in (
        "ArtifactStage", "MapStage", "ReduceStage", "Resources", "SourceStage", "Stage",
        "StageConfig", "execution_knob")},
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)

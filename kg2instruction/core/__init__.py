"""The DAG framework: stages, registry, fingerprints, shard cache, executors, runs.

Stage authors need only what is exported here (see `kg2instruction.core.stage` for an example).
"""
from kg2instruction.core.context import StageContext
from kg2instruction.core.registry import register_stage
from kg2instruction.core.stage import (ArtifactStage, MapStage, ReduceStage, Resources, SourceStage,
                                       Stage, StageConfig, execution_knob)

__all__ = ["ArtifactStage", "MapStage", "ReduceStage", "Resources", "SourceStage", "Stage",
           "StageConfig", "StageContext", "execution_knob", "register_stage"]

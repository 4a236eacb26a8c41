"""Which stages stream on Ray, for the shipped sample pipeline: the map stages that run as tasks
on shard-aligned inputs; model stages, reduces, artifacts and non-aligned maps wait for their
inputs to be complete."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.core.dag import build_dag
from kg2instruction.core.streaming import stage_modes

REPO = Path(__file__).resolve().parents[3]


def test_sample_pipeline_stage_modes() -> None:
    modes = stage_modes(build_dag(load_pipeline(REPO / "pipelines/sample.yaml")))
    assert modes == {
        "read_wikipedia": "source",
        "build_kg": "whole",              # artifact
        "identify_mentions": "whole",     # NER actors: would hold CPUs the reader needs
        "route_themes": "stream", "link_entities": "stream", "type_entities": "stream",
        "match_relations": "stream", "apply_schema": "stream",
        "score_nli": "whole",             # NLI actors
        "nli_filter": "stream", "nli_rejected": "stream",
        "sample_paragraphs": "whole", "build_records": "whole", "make_instructions": "whole",
    }

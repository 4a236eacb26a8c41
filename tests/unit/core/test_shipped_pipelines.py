"""Every pipeline file we ship validates in full (each stage's config, against its model) and
builds its DAG, so a typo in a file users copy fails here rather than hours into a full run."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.core.dag import build_dag
from kg2instruction.stages.score_nli import ScoreNli

REPO = Path(__file__).resolve().parents[3]
PIPELINES = sorted((REPO / "pipelines").glob("*.yaml"))


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_shipped_pipeline_validates_and_builds(path: Path) -> None:
    pipeline = load_pipeline(path)
    assert build_dag(pipeline) is not None
    assert "make_instructions" in pipeline.config.stages      # the whole chain, not a prefix


def test_full_pipeline_uses_the_reference_nli_model() -> None:
    stages = load_pipeline(REPO / "pipelines/full.yaml").config.stages
    config = ScoreNli.Config.model_validate(stages["score_nli"])
    assert config.model == "MoritzLaurer/mDeBERTa-v3-base-xnli-multilingual-nli-2mil7"
    assert config.device == "auto"

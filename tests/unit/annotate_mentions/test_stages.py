"""The two stage wrappers, run as the framework runs them (real context, the sample KG artifact)."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.core.context import ArtifactRef, StageContext
from kg2instruction.core.registry import get_stage, stage_ref
from kg2instruction.errors import ConfigError
from kg2instruction.schemas import LINKED_MENTIONS, MENTIONS
from kg2instruction.stages.build_kg import STORE_FILE, BuildKG
from kg2instruction.stages.identify_mentions import IdentifyMentions
from kg2instruction.stages.link_entities import LinkEntities

from .conftest import pages


@pytest.fixture(scope="module")
def kg_artifact(sample_kg: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build_kg output directory holding the session's sample store."""
    artifact = tmp_path_factory.mktemp("kg_artifact")
    (artifact / STORE_FILE).symlink_to(sample_kg)
    return artifact


def context(kg_artifact: Path, languages: tuple[str, ...] = ("en",)) -> StageContext:
    return StageContext(stage="test", shard_id="en-00000", lang="en", languages=languages, seed=1,
                        theme=None, artifacts={"kg": ArtifactRef("kg", stage_ref(BuildKG), kg_artifact, {})},
                        base_dir=Path.cwd())


def run(stage_cls, inputs, ctx, **config):
    stage = stage_cls(stage_cls.Config(**config))
    stage.setup(ctx)
    return stage.process(inputs, ctx), ctx.take_counters()


def test_identify_then_link_through_the_stage_api(kg_artifact: Path, en_paragraphs: pa.Table) -> None:
    assert get_stage("identify_mentions") is IdentifyMentions
    assert get_stage("link_entities") is LinkEntities
    paragraphs = pages(en_paragraphs, ["Abraham Lincoln"], first=3)
    ctx = context(kg_artifact)
    mentions, counters = run(IdentifyMentions, {"read_wikipedia": paragraphs}, ctx,
                             ner={"en": {"name": "spacy"}}, ner_batch_size=16)
    assert mentions.schema == MENTIONS and mentions.num_rows == counters["mentions"]
    assert counters["mentions.link"] == sum(len(x) for x in paragraphs["links"].to_pylist())
    assert counters["paragraphs"] == paragraphs.num_rows

    linked, counters = run(LinkEntities, {"identify_mentions": mentions, "read_wikipedia": paragraphs},
                           ctx, linking={"max_candidates": 10})
    assert linked.schema == LINKED_MENTIONS and linked.num_rows == mentions.num_rows
    assert counters["linked"] == sum(q is not None for q in linked["qid"].to_pylist()) > 0
    assert sum(v for k, v in counters.items() if k.startswith("linked_by.")) == mentions.num_rows


def test_execution_knobs_and_missing_languages(kg_artifact: Path) -> None:
    from kg2instruction.core.fingerprint import output_config

    small = IdentifyMentions.Config(ner_batch_size=8)
    large = IdentifyMentions.Config(ner_batch_size=512)
    assert output_config(small) == output_config(large)
    assert output_config(small) != output_config(
        IdentifyMentions.Config(mentions={"drop_ner_labels": ["CARDINAL"]}))
    stage = IdentifyMentions(IdentifyMentions.Config(ner={"en": {"name": "none"}}))
    with pytest.raises(ConfigError, match="de"):
        stage.setup(context(kg_artifact, languages=("en", "de")))
    with pytest.raises(ValueError):
        IdentifyMentions.Config(ner={"en": {"name": "spacy", "model": "x"}})

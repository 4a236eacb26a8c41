"""The stage wrappers, run as the framework runs them (real context, KG artifact, themes)."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.core.context import ArtifactRef, StageContext
from kg2instruction.core.registry import stage_ref
from kg2instruction.kg.build import build_kg
from kg2instruction.schemas import LINKED_MENTIONS, PARAGRAPH_THEMES, PARAGRAPHS, TRIPLES
from kg2instruction.stages.apply_schema import ApplySchema
from kg2instruction.stages.build_kg import STORE_FILE, BuildKG
from kg2instruction.stages.match_relations import MatchRelations
from kg2instruction.stages.route_themes import RouteThemes
from kg2instruction.stages.type_entities import TypeEntities

from .conftest import write_dump
from .rows import mention, paragraph

REPO = Path(__file__).resolve().parents[3]
TEXT = ("Douglas Noel Adams (11 March 1952 – 11 May 2001) was an English author. Douglas Adams "
        "was 1.96 m tall.")


@pytest.fixture
def context(tmp_path: Path, q42_entity) -> StageContext:
    artifact = tmp_path / "kg"
    artifact.mkdir()
    build_kg(write_dump(tmp_path / "dump.json", [q42_entity]), artifact / STORE_FILE)
    return StageContext(stage="test", shard_id="s0", lang="en", languages=("en",), seed=1,
                        theme=load_theme("person", REPO / "themes"),
                        artifacts={"kg": ArtifactRef("kg", stage_ref(BuildKG), artifact, {})},
                        base_dir=REPO)


def run(stage_cls, inputs, ctx, **config):
    stage = stage_cls(stage_cls.Config(**config))
    stage.setup(ctx)
    return stage.process(inputs, ctx), ctx.take_counters()


def test_annotation_stages_end_to_end(context: StageContext) -> None:
    paragraphs = pa.Table.from_pylist(
        [paragraph("en:1:0", TEXT, title="Douglas Adams", page_qid="Q42", page_id="1")],
        schema=PARAGRAPHS)
    rows = [mention("en:1:0", TEXT, "Douglas Noel Adams", "Q42", source="subject"),
            mention("en:1:0", TEXT, "Douglas Adams", "Q42", source="repeat"),
            mention("en:1:0", TEXT, "English", None, source="ner")]
    linked = pa.Table.from_pylist(rows, schema=LINKED_MENTIONS)

    typed, counters = run(TypeEntities, {"link_entities": linked}, context)
    assert typed.schema == LINKED_MENTIONS
    assert typed["types"].to_pylist() == [["human"], ["human"], ["other"]]
    assert counters == {"typed.human": 2, "typed.other": 1}

    candidates, counters = run(MatchRelations, {"read_wikipedia": paragraphs,
                                                "type_entities": typed}, context)
    assert candidates.schema == TRIPLES
    found = {(t["pid"], t["tail"]) for t in candidates.to_pylist()}
    assert {("P569", "11 March 1952"), ("P570", "11 May 2001"), ("P2048", "1.96 m")} <= found
    assert counters["candidate_triples"] == len(candidates)

    routed, counters = run(RouteThemes, {"read_wikipedia": paragraphs}, context)
    assert routed.schema == PARAGRAPH_THEMES
    assert routed.to_pylist()[0]["theme"] == "person" and counters == {"paragraphs.person": 1}

    kept, funnel = run(ApplySchema, {"match_relations": candidates, "type_entities": typed,
                                     "read_wikipedia": paragraphs,
                                     "route_themes": routed}, context)
    triples = {(t["head"], t["relation"], t["tail"], t["tail_value"]) for t in kept.to_pylist()}
    assert ("Douglas Noel Adams", "date of birth", "11 March 1952", "1952-03-11") in triples
    assert ("Douglas Noel Adams", "date of death", "11 May 2001", "2001-05-11") in triples
    # "Douglas Adams" in the next sentence refers to him; the text does not state it as a name
    assert not any(t[1] == "alternative name" for t in triples)
    assert funnel["kept"] == len(kept) and funnel["dropped.alias_not_stated"] == 1
    assert all(t["evidence_rule"] == "sentence" for t in kept.to_pylist())
    assert all(t["theme"] == "person" and t["head_start"] is not None for t in kept.to_pylist())


def adams_candidates(context: StageContext) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The paragraph, its one typed mention (Douglas Adams) and the candidate triples matched."""
    paragraphs = pa.Table.from_pylist(
        [paragraph("en:1:0", TEXT, title="Douglas Adams", page_qid="Q42", page_id="1")],
        schema=PARAGRAPHS)
    typed, _ = run(TypeEntities, {"link_entities": pa.Table.from_pylist(
        [mention("en:1:0", TEXT, "Douglas Noel Adams", "Q42")], schema=LINKED_MENTIONS)}, context)
    candidates, _ = run(MatchRelations, {"read_wikipedia": paragraphs, "type_entities": typed},
                        context)
    return paragraphs, typed, candidates


def test_apply_schema_keeps_only_paragraphs_of_the_run_theme(context: StageContext) -> None:
    paragraphs, typed, candidates = adams_candidates(context)
    elsewhere = pa.Table.from_pylist([{"paragraph_id": "en:1:0", "page_id": "1", "page_qid": "Q42",
                                       "theme": "works", "routed_by": "classifier"}],
                                     schema=PARAGRAPH_THEMES)
    kept, funnel = run(ApplySchema, {"match_relations": candidates, "type_entities": typed,
                                     "read_wikipedia": paragraphs,
                                     "route_themes": elsewhere}, context)
    assert len(kept) == 0 and funnel["dropped.other_theme"] == len(candidates) > 0
    kept_all, _ = run(ApplySchema, {"match_relations": candidates, "type_entities": typed,
                                    "read_wikipedia": paragraphs,
                                    "route_themes": elsewhere}, context,
                      only_routed_paragraphs=False)
    assert len(kept_all) > 0


def test_apply_schema_keeps_on_classifier_pages_only_triples_whose_head_is_of_the_theme(
        context: StageContext) -> None:
    """A page the text classifier routed: its triples stay when their head is the theme's kind
    of entity (Q42 is human, human routes to person), and go when the KG gives the head no such
    category."""
    paragraphs, typed, candidates = adams_candidates(context)
    routed = pa.Table.from_pylist([{"paragraph_id": "en:1:0", "page_id": "1", "page_qid": None,
                                    "theme": "person", "routed_by": "classifier"}],
                                  schema=PARAGRAPH_THEMES)
    inputs = {"match_relations": candidates, "type_entities": typed,
              "read_wikipedia": paragraphs, "route_themes": routed}
    kept, funnel = run(ApplySchema, inputs, context)
    assert len(kept) > 0 and funnel.get("dropped.classifier_theme_unconfirmed", 0) == 0

    untyped = typed.set_column(typed.schema.get_field_index("types"), "types",
                               pa.array([["other"]] * len(typed), pa.list_(pa.string())))
    dropped, funnel = run(ApplySchema, {**inputs, "type_entities": untyped}, context)
    assert len(dropped) == 0
    assert funnel["dropped.classifier_theme_unconfirmed"] == len(kept)
    assert funnel.get("kept", 0) == 0   # zero counters are not reported
    everything, _ = run(ApplySchema, {**inputs, "type_entities": untyped}, context,
                        classifier_routed="all")
    assert len(everything) == len(kept)

    by_category = routed.set_column(routed.schema.get_field_index("routed_by"), "routed_by",
                                    pa.array(["category"]))
    kg_routed, _ = run(ApplySchema, {**inputs, "type_entities": untyped,
                                     "route_themes": by_category}, context)
    assert len(kg_routed) == len(kept)

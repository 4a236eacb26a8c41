"""Stage: candidate triples from the KG facts between a paragraph's linked mentions, and from its
entities' time/quantity claims written in the text (see `kg2instruction.annotate.match`)."""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from kg2instruction.annotate.match import MatchConfig, match_relations, paragraphs_with_anchors
from kg2instruction.core import MapStage, StageConfig, StageContext, register_stage
from kg2instruction.schemas import TRIPLES


class MatchRelationsConfig(MatchConfig, StageConfig):
    """`MatchConfig` as a stage config (same fields, unknown keys rejected)."""


def triples_table(rows: list[dict]) -> pa.Table:
    """TRIPLES table from triple dicts (columns in schema order)."""
    return pa.Table.from_pylist(rows, schema=TRIPLES) if rows else TRIPLES.empty_table()


@register_stage
class MatchRelations(MapStage):
    """PARAGRAPHS + typed LINKED_MENTIONS -> candidate TRIPLES (unlabelled, KG orientation)."""

    name = "match_relations"
    version = "6"   # 4: no facts of a word describing the page subject; 5: subject surnames;
    #                 6: a candidate per evidence sentence of a fact
    Config = MatchRelationsConfig
    requires = ("read_wikipedia", "type_entities", "build_kg")
    theme_fields = ()
    key = ("triple_id",)
    config: MatchRelationsConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        paragraphs = inputs["read_wikipedia"].select(
            ["paragraph_id", "page_id", "index", "lang", "title", "page_qid", "text"]).to_pylist()
        mentions = inputs["type_entities"].to_pylist()
        batch = paragraphs_with_anchors(paragraphs, mentions)
        triples, counts = match_relations(batch, ctx.kg, self.config)
        ctx.count_all(counts.as_dict())
        ctx.count("candidate_triples", n=len(triples))
        return triples_table(triples)

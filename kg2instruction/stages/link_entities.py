"""Stage: MENTIONS -> LINKED_MENTIONS (candidates by name, tail-label overlap, evidence kept).

The logic lives in `kg2instruction.annotate.disambiguate`; this wrapper feeds it the shard's
mentions and paragraphs and reports how each mention was decided (`linked_by.*`) and how many
were linked. The `types` column is left empty for `type_entities`.
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from kg2instruction.annotate.disambiguate import LinkConfig, link_entities
from kg2instruction.core import MapStage, StageConfig, StageContext, register_stage
from kg2instruction.schemas import LINKED_MENTIONS


class LinkEntitiesConfig(StageConfig):
    linking: LinkConfig = LinkConfig()


@register_stage
class LinkEntities(MapStage):
    """MENTIONS (+ PARAGRAPHS for language and page QID) -> LINKED_MENTIONS."""

    name = "link_entities"
    version = "1"
    Config = LinkEntitiesConfig
    requires = ("identify_mentions", "read_wikipedia", "build_kg")
    theme_fields = ()
    key = ("paragraph_id", "start", "end")
    config: LinkEntitiesConfig

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        linked, counts = link_entities(inputs["identify_mentions"], inputs["read_wikipedia"],
                                       ctx.kg, self.config.linking)
        ctx.count_all(counts)
        return linked.cast(LINKED_MENTIONS)

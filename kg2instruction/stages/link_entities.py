"""Stage: MENTIONS -> LINKED_MENTIONS (candidates by name, tail-label overlap, evidence kept).

The logic lives in `kg2instruction.annotate.disambiguate`; this wrapper feeds it the shard's
mentions and paragraphs and reports how each mention was decided (`linked_by.*`) and how many
were linked. The `types` column is left empty for `type_entities`.
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from kg2instruction.annotate.disambiguate import LinkConfig, link_entities
from kg2instruction.core import MapStage, StageContext, register_stage
from kg2instruction.schemas import LINKED_MENTIONS
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig


class LinkEntitiesConfig(EntityTypesFileConfig):
    """Candidate scoring bounds and the entity-type file (for the type check against NER labels)."""

    linking: LinkConfig = LinkConfig()


@register_stage
class LinkEntities(MapStage):
    """MENTIONS (+ PARAGRAPHS for language and page QID) -> LINKED_MENTIONS."""

    name = "link_entities"
    version = "5"   # 3: prominence counts what points at a candidate; 4: alias too;
    # 5: the neighbour memo no longer answers an entry evicted by its own batch as empty
    Config = LinkEntitiesConfig
    requires = ("identify_mentions", "read_wikipedia", "build_kg")
    theme_fields = ()
    file_fields = ("entity_types_file",)
    key = ("paragraph_id", "start", "end")
    config: LinkEntitiesConfig

    def setup(self, ctx: StageContext) -> None:
        self._entity_types = self.config.load_entity_types(ctx)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        linked, counts = link_entities(inputs["identify_mentions"], inputs["read_wikipedia"],
                                       ctx.kg, self.config.linking, self._entity_types)
        ctx.count_all(counts)
        return linked.cast(LINKED_MENTIONS)

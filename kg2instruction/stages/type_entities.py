"""Stage: entity-type categories of linked mentions (P31/P279 closure -> themes/entity_types.yaml).

Fills the `types` column of LINKED_MENTIONS: every category the mention's entity reaches, best
first by the configured priority (`["other"]` when none); value mentions get `["time"]` or
`["measure"]` from their datatype; unlinked mentions `["other"]`. One batched KG call per shard,
plus one neighbour lookup for the entities the KG gives no P31 (typed by their statements'
properties, `claim_signals`).
"""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from kg2instruction.annotate.types import VALUE_SOURCE_CATEGORIES, TypeResolver
from kg2instruction.config.entity_types import FALLBACK_CATEGORY, EntityTypes
from kg2instruction.core import MapStage, StageContext, register_stage
from kg2instruction.schemas import LINKED_MENTIONS
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig


class TypeEntitiesConfig(EntityTypesFileConfig):
    """Only the entity-type file (see `EntityTypesFileConfig`)."""


def types_column(mentions: pa.Table, resolver: TypeResolver, ctx: StageContext | None = None
                 ) -> pa.Array:
    """The `types` list per mention row (see module docstring)."""
    rows = mentions.select(["source", "qid"]).to_pylist()
    reached = resolver.reached(sorted({r["qid"] for r in rows
                                       if r["qid"] and r["source"] not in VALUE_SOURCE_CATEGORIES}))
    column: list[list[str]] = []
    for row in rows:
        if row["source"] in VALUE_SOURCE_CATEGORIES:
            types = [VALUE_SOURCE_CATEGORIES[row["source"]]]
        else:
            types = (reached.get(row["qid"]) if row["qid"] else None) or [FALLBACK_CATEGORY]
        column.append(types)
        if ctx is not None:
            ctx.count("typed", reason=types[0])
    return pa.array(column, type=pa.list_(pa.string()))


@register_stage
class TypeEntities(MapStage):
    """LINKED_MENTIONS -> LINKED_MENTIONS with `types` filled."""

    name = "type_entities"
    version = "3"   # 2: typed by their statements (claim_signals); 3: neighbour memo fix
    Config = TypeEntitiesConfig
    requires = ("link_entities", "build_kg")
    theme_fields = ()
    key = ("paragraph_id", "start", "end")
    file_fields = ("entity_types_file",)
    config: TypeEntitiesConfig

    def setup(self, ctx: StageContext) -> None:
        self._entity_types: EntityTypes = self.config.load_entity_types(ctx)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        mentions = inputs["link_entities"].select(LINKED_MENTIONS.names)
        resolver = TypeResolver(ctx.kg, self._entity_types)   # cache lives for this shard
        typed = mentions.set_column(mentions.schema.get_field_index("types"), "types",
                                    types_column(mentions, resolver, ctx))
        return typed.cast(LINKED_MENTIONS)

"""The `entity_types_file` setting that five stages share.

Typing mentions, routing pages, checking head/tail types and naming types in records must all
read the same category file, so the field (its default and description) and how it is resolved
against the project live in one place; a stage still lists it in `file_fields` so its content is
fingerprinted.
"""
from __future__ import annotations

import pydantic

from kg2instruction.config.entity_types import EntityTypes, load_entity_types
from kg2instruction.core import StageConfig, StageContext

DEFAULT_ENTITY_TYPES_FILE = "themes/entity_types.yaml"


class EntityTypesFileConfig(StageConfig):
    """Mixin for stage configs that read the entity-type categories."""

    entity_types_file: str = pydantic.Field(
        DEFAULT_ENTITY_TYPES_FILE, description="category root classes and priority (YAML)")

    def load_entity_types(self, ctx: StageContext) -> EntityTypes:
        """The categories, resolved inside the project (`ctx.path` rejects paths outside it)."""
        return load_entity_types(ctx.path(self.entity_types_file))

"""Instruction data: the output formats shared by generator and evaluator, and instruction ids."""
from kg2instruction.instructions.fields import NAN
from kg2instruction.instructions.formats import (
    ENTITY_FORMATS,
    RELATION_FORMATS,
    Entity,
    EntityFormat,
    EntityParseResult,
    OutputFormat,
    ParseResult,
    RelationFormat,
    Triple,
    parse_entities,
    parse_relations,
    render_entities,
    render_relations,
)
from kg2instruction.instructions.ids import instruction_id, record_id_of

__all__ = [
    "ENTITY_FORMATS", "NAN", "RELATION_FORMATS", "Entity", "EntityFormat", "EntityParseResult",
    "OutputFormat", "ParseResult", "RelationFormat", "Triple",
    "instruction_id", "parse_entities", "parse_relations", "record_id_of", "render_entities",
    "render_relations",
]

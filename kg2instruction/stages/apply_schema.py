"""Stage: theme labels, head/tail type constraint and refinement rules on candidate triples
(see `kg2instruction.annotate.schema_constraint`), for the run's theme."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pydantic

from kg2instruction.annotate.grammar_filter import DependencyParsers
from kg2instruction.annotate.schema_constraint import (ParagraphText, SchemaConfig, alias_qids,
                                                       apply_schema, entity_names)
from kg2instruction.annotate.theme_confirmation import CLASSIFIER_ROUTE, confirm_themes
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.routing import Routing, load_routing
from kg2instruction.core import MapStage, StageContext, register_stage
from kg2instruction.ner.spacy_ner import DEFAULT_SPACY_MODEL
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig
from kg2instruction.stages.match_relations import triples_table


class ApplySchemaConfig(SchemaConfig, EntityTypesFileConfig):
    """`SchemaConfig` plus which paragraphs the run's theme takes."""

    only_routed_paragraphs: bool = pydantic.Field(
        True, description="keep triples only of paragraphs routed to the run's theme")
    parsers: dict[Literal["en", "zh"], str] = pydantic.Field(
        default_factory=lambda: {"en": DEFAULT_SPACY_MODEL},
        description="spaCy dependency parser per language, read by the relations' `syntax:` "
                    "rules (a language without one keeps its triples unchecked)")
    classifier_routed: Literal["theme_heads", "all"] = pydantic.Field(
        "theme_heads",
        description="triples of pages the text classifier routed (the KG could not): "
                    "theme_heads drops those whose head the KG types as another kind than "
                    "`routing_file` routes to the theme, alias triples exempt "
                    "(annotate/theme_confirmation.py); all keeps every one")
    routing_file: str = "themes/theme_routing.yaml"


@register_stage
class ApplySchema(MapStage):
    """Candidate TRIPLES + typed mentions + paragraph themes -> theme TRIPLES."""

    name = "apply_schema"
    version = "14"  # 8: grammatical links: addresses opt-in, adverbs, Chinese break words as words;
    #                 9, 10: nationality words (source nationality) need their own link;
    #                 11: every P-id's reading of a labelled pair stays (the NLI split chooses);
    #                 12, 13, 14: on classifier-routed pages no triple whose head the KG
    #                 types as another kind than the theme's (13: alias triples exempt;
    #                 14: untyped heads kept)
    Config = ApplySchemaConfig
    requires = ("match_relations", "type_entities", "route_themes", "build_kg", "read_wikipedia")
    theme_fields = None   # labels, P-ids, types: the whole theme
    key = ("triple_id",)
    file_fields = ("entity_types_file", "routing_file")
    config: ApplySchemaConfig

    def setup(self, ctx: StageContext) -> None:
        self._entity_types = self.config.load_entity_types(ctx)
        self._routing: Routing = load_routing(ctx.path(self.config.routing_file))
        self._parsers = DependencyParsers(self.config.parsers)
        self._parsers.check_installed()

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        theme = ctx.theme
        candidates = inputs["match_relations"]
        mentions = inputs["type_entities"]
        if self.config.only_routed_paragraphs:
            routed = inputs["route_themes"]
            mine = routed.filter(pc.equal(routed["theme"], theme.theme))["paragraph_id"]
            keep = pc.is_in(candidates["paragraph_id"], value_set=mine)
            ctx.count("dropped", n=len(candidates) - (pc.sum(keep).as_py() or 0),
                      reason="other_theme")     # sum of no rows is null
            candidates = candidates.filter(keep)
            mentions = mentions.filter(pc.is_in(mentions["paragraph_id"], value_set=mine))
        mention_rows = mentions.to_pylist()
        categories_of = {m["qid"]: m["types"] for m in mention_rows if m["qid"] and m["types"]}
        candidate_rows = candidates.to_pylist()
        unseen = sorted({t[f"{end}_qid"] for t in candidate_rows for end in ("head", "tail")
                         if t[f"{end}_qid"] and t[f"{end}_qid"] not in categories_of})
        resolver = TypeResolver(ctx.kg, self._entity_types)
        if unseen:   # implicit subjects have no mention row to carry their types
            categories_of.update(resolver.reached(unseen))
        names_of = entity_names(ctx.kg, alias_qids(mention_rows), ctx.languages)
        texts = inputs["read_wikipedia"].select(["paragraph_id", "text", "lang"]).to_pylist()
        paragraphs = {r["paragraph_id"]: ParagraphText(r["text"], r["lang"]) for r in texts}
        triples, funnel = apply_schema(candidate_rows, mention_rows, theme, categories_of,
                                       names_of, self.config, paragraphs, self._parsers)
        if self.config.classifier_routed == "theme_heads":
            triples, dropped = self._theme_confirmed(triples, inputs["route_themes"],
                                                     categories_of, resolver, ctx)
            funnel["dropped.classifier_theme_unconfirmed"] = dropped
            funnel["kept"] = len(triples)
        ctx.count_all(funnel)
        return triples_table(triples)

    def _theme_confirmed(self, triples: list[dict], routed: pa.Table,
                         categories_of: Mapping[str, list[str]], resolver: TypeResolver,
                         ctx: StageContext) -> tuple[list[dict], int]:
        by_classifier = routed.filter(pc.equal(routed["routed_by"], CLASSIFIER_ROUTE))
        exempt = [self.config.alias_relation] if self.config.alias_relation else []
        return confirm_themes(triples, set(by_classifier["paragraph_id"].to_pylist()),
                              ctx.theme.theme, self._routing, categories_of, ctx.kg,
                              resolver, exempt)

"""Stage: the theme of each paragraph, from its page subject's type or a text classifier
(see `kg2instruction.annotate.theme_router`)."""
from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pydantic

from kg2instruction.annotate.theme_router import ThemeClassifier, make_classifier, route_pages
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import EntityTypes
from kg2instruction.config.routing import Routing, load_routing
from kg2instruction.config.theme import available_themes, load_theme
from kg2instruction.core import MapStage, StageContext, register_stage
from kg2instruction.schemas import PARAGRAPH_THEMES
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig


class RouteThemesConfig(EntityTypesFileConfig):
    themes_dir: str = pydantic.Field(
        "themes", description="themes the classifier may choose from (a directory: its files are "
                              "not fingerprinted; bump the stage config when editing themes)")
    routing_file: str = "themes/theme_routing.yaml"


@register_stage
class RouteThemes(MapStage):
    """PARAGRAPHS -> PARAGRAPH_THEMES (one theme per page, every paragraph of it)."""

    name = "route_themes"
    version = "3"   # 2: typed by their statements (claim_signals); 3: neighbour memo fix
    Config = RouteThemesConfig
    requires = ("read_wikipedia", "build_kg")
    theme_fields = ()
    key = ("paragraph_id",)
    file_fields = ("routing_file", "entity_types_file")
    config: RouteThemesConfig

    def setup(self, ctx: StageContext) -> None:
        themes_dir = ctx.path(self.config.themes_dir)
        self._routing: Routing = load_routing(ctx.path(self.config.routing_file), themes_dir)
        self._entity_types: EntityTypes = self.config.load_entity_types(ctx)
        self._classifier: ThemeClassifier | None = None
        if self._routing.classifier is not None:
            themes = {name: load_theme(name, themes_dir) for name in available_themes(themes_dir)}
            self._classifier = make_classifier(self._routing.classifier, themes)

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        rows = inputs["read_wikipedia"].select(
            ["paragraph_id", "page_id", "page_qid", "lang", "title", "text"]).to_pylist()
        resolver = TypeResolver(ctx.kg, self._entity_types)
        pages = route_pages(rows, ctx.kg, resolver, self._routing, self._classifier)
        out = []
        for row in rows:
            page = pages[row["page_id"]]
            out.append({"paragraph_id": row["paragraph_id"], "page_id": row["page_id"],
                        "page_qid": page.subject, "theme": page.theme,
                        "routed_by": page.routed_by})
            ctx.count("paragraphs", reason=page.theme or "unrouted")
        return pa.Table.from_pylist(out, schema=PARAGRAPH_THEMES)

"""Which theme a paragraph belongs to, from the entity type of its page's subject.

The paper assigns each page to one of 12 themes. The subject's category (from `entity_types.yaml`)
decides most pages; a few direct P31 classes need a finer rule (a car model and a film are both
"product", but one is Artificial_Object and the other Works), so specific classes are checked
first. Pages whose subject maps to no theme go to a pluggable text classifier, named here and
implemented elsewhere, so the table stays data an analyst can edit.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kg2instruction.config.entity_types import Category, Qid
from kg2instruction.config.theme import THEME_NAME
from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError

ThemeName = Annotated[str, StringConstraints(pattern=THEME_NAME.pattern)]


class Routing(BaseModel):
    """`themes/theme_routing.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by_class: dict[Qid, ThemeName] = Field(
        default_factory=dict, description="direct P31 class -> theme; checked before by_category")
    by_category: dict[Category, ThemeName]
    classifier: str | None = Field(
        default=None, description="registered text classifier for pages no rule routes; "
                                  "null: such pages get no theme")

    def theme_for(self, category: str, classes: Iterable[str] = ()) -> str | None:
        """Theme of a page whose subject has `category` and direct P31 `classes`; None if unrouted.

        Classes are tried in the order given (the caller passes them in a stable order, e.g. the
        KG's claim order), so the result is deterministic.
        """
        for qid in classes:
            if qid in self.by_class:
                return self.by_class[qid]
        return self.by_category.get(category)  # type: ignore[call-overload]

    def routes_to(self, theme: str, categories: Iterable[str], classes: Iterable[str] = ()
                  ) -> bool:
        """Whether an entity of these categories (any of them) or direct P31 classes is the kind
        of thing `theme` is about: the rules that would route a page about it there."""
        routed_here = {category for category, target in self.by_category.items()
                       if target == theme}
        return (any(self.by_class.get(qid) == theme for qid in classes)
                or any(c in routed_here for c in categories))

    def themes(self) -> list[str]:
        """Every theme the table can route to, sorted."""
        return sorted({*self.by_class.values(), *self.by_category.values()})


def load_routing(path: str | Path, themes_dir: str | Path | None = None) -> Routing:
    """Load the routing table; with `themes_dir`, every target theme must have a file there."""
    doc = load_yaml(path)
    if doc.data is None:
        raise ConfigError("empty routing file", path=doc.path)
    routing = validate(Routing, doc)
    if themes_dir is not None:
        for section in ("by_class", "by_category"):
            for key, theme in getattr(routing, section).items():
                if not (Path(themes_dir) / f"{theme}.yaml").is_file():
                    raise ConfigError(f"theme '{theme}' has no file in {themes_dir}",
                                      path=doc.path, line=doc.line_of((section, key)),
                                      key=f"{section}.{key}")
    return routing

"""The 14 entity-type categories of the paper and the Wikidata root classes that define them.

Themes constrain relation heads and tails by these categories, and the typing stage maps an entity's
P31/P279 classes onto them. The categories are a fixed vocabulary (themes written by different
analysts must agree on it); which Wikidata classes fall under each is analyst-editable data in
`themes/entity_types.yaml`. An entity whose classes reach several categories gets the first one in
the file's `priority` order, so "university" (organization) beats "building" for a campus article.

Classes are not always there: KG subsets (the bundled sample among them) keep the facts of many
entities but not their P31 claim. For those the file's `claim_signals` say what the properties of an
entity's own statements imply (only someone has a P106 occupation; only a place is the value of a
P19 place of birth), the way property domains and ranges type resources in RDF schemas.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator

from kg2instruction.config.localized import LocalizedText
from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError

Category = Literal[
    "human", "geographic_region", "organization", "event", "organism", "product", "medicine",
    "transport", "architectural_structure", "astronomical_object", "natural_science", "time",
    "measure", "other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
FALLBACK_CATEGORY = "other"
# Value mentions (dates, quantities) are typed by their datatype, never through classes.
VALUE_CATEGORIES: frozenset[str] = frozenset({"time", "measure"})

QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
Qid = Annotated[str, StringConstraints(pattern=QID_PATTERN.pattern)]
PropertyId = Annotated[str, StringConstraints(pattern=r"^P[1-9][0-9]*$")]


class CategorySpec(BaseModel):
    """One category: its display label and the Wikidata classes whose instances belong to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: LocalizedText
    root_classes: list[Qid] = Field(default_factory=list)


class ClaimSignals(BaseModel):
    """Categories implied by the properties of an entity's statements, for entities whose classes
    reach no category. Each property the entity uses votes for its category; the most votes win,
    ties go to the configured `priority`. `as_subject`: statements (entity, P, x); `as_value`:
    statements (x, P, entity)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_subject: dict[PropertyId, Category] = Field(default_factory=dict)
    as_value: dict[PropertyId, Category] = Field(default_factory=dict)

    @field_validator("as_subject", "as_value")
    @classmethod
    def _class_defined_categories(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted(p for p, c in value.items() if c in VALUE_CATEGORIES | {FALLBACK_CATEGORY})
        if wrong:
            raise ValueError(f"{wrong} signal time/measure/other; those categories are assigned "
                             f"by datatype or fallback, so a signal for them says nothing")
        return value

    def __bool__(self) -> bool:
        return bool(self.as_subject or self.as_value)


class EntityTypes(BaseModel):
    """`themes/entity_types.yaml`: root classes per category plus the tie-break priority."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    categories: dict[Category, CategorySpec]
    priority: list[Category]
    max_depth: int = Field(default=10, ge=1, le=50,
                           description="P279 levels walked upwards from a direct P31 class")
    claim_signals: ClaimSignals = Field(default_factory=ClaimSignals,
                                        description="typing of entities whose classes reach no "
                                                    "category, by the properties they use")
    _class_index: dict[str, str] = PrivateAttr(default_factory=dict)
    _rank: dict[str, int] = PrivateAttr(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def _all_categories_present(cls, value: dict[str, CategorySpec]) -> dict[str, CategorySpec]:
        missing = [c for c in CATEGORIES if c not in value]
        if missing:
            raise ValueError(f"missing categories {missing}; all 14 must be defined")
        for name in VALUE_CATEGORIES | {FALLBACK_CATEGORY}:
            if value[name].root_classes:
                raise ValueError(f"category '{name}' is assigned by datatype/fallback and must not "
                                 f"list root_classes")
        seen: dict[str, str] = {}
        for name, spec in value.items():
            for qid in spec.root_classes:
                if qid in seen and seen[qid] != name:
                    raise ValueError(f"{qid} is listed under both '{seen[qid]}' and '{name}'; "
                                     f"use `priority` to rank categories instead")
                seen[qid] = name
        return value

    @field_validator("priority")
    @classmethod
    def _priority_is_complete(cls, value: list[str]) -> list[str]:
        classed = [c for c in CATEGORIES if c not in VALUE_CATEGORIES and c != FALLBACK_CATEGORY]
        dupes = sorted({c for c in value if value.count(c) > 1})
        missing = [c for c in classed if c not in value]
        unranked = [c for c in value if c not in classed]
        if dupes or missing or unranked:
            raise ValueError(f"priority must list each class-defined category once (duplicated: "
                             f"{dupes}, missing: {missing}, not ranked by class: {unranked})")
        return value

    def model_post_init(self, __context: object) -> None:
        self._class_index = {qid: name for name, spec in self.categories.items()
                             for qid in spec.root_classes}
        self._rank = {name: i for i, name in enumerate(self.priority)}

    def category_of_class(self, qid: str) -> str | None:
        """The category a class QID is a root of, or None."""
        return self._class_index.get(qid)

    def categorize(self, classes: Iterable[str]) -> str:
        """Best category for an entity given its classes (direct P31 and/or P279 ancestors).

        Highest-priority category any class belongs to; `other` when none does.
        """
        best: str | None = None
        rank = self._rank
        for qid in classes:
            cat = self.category_of_class(qid)
            if cat is not None and (best is None or rank[cat] < rank[best]):
                best = cat
        return best or FALLBACK_CATEGORY

    def categorize_by_claims(self, uses: Iterable[tuple[str, str]]) -> str | None:
        """Category voted by `(pid, direction)` uses of an entity (direction "forward": the entity
        is the subject, "reverse": the value), None when no used property signals one."""
        votes: dict[str, int] = {}
        for pid, direction in set(uses):
            table = (self.claim_signals.as_subject if direction == "forward"
                     else self.claim_signals.as_value)
            category = table.get(pid)
            if category is not None:
                votes[category] = votes.get(category, 0) + 1
        if not votes:
            return None
        return min(votes, key=lambda c: (-votes[c], self._rank[c]))

    def root_classes(self) -> dict[str, str]:
        """Every root class QID -> its category (for closure queries against the KG)."""
        return dict(self._class_index)

    def label(self, category: str, lang: str) -> str:
        """Display label of a category in `lang`."""
        return self.categories[category].label.in_lang(lang)  # type: ignore[index]


def load_entity_types(path: str | Path) -> EntityTypes:
    """Load and validate `entity_types.yaml`; errors name the file, line and key."""
    doc = load_yaml(path)
    if doc.data is None:
        raise ConfigError("empty entity-types file", path=doc.path)
    return validate(EntityTypes, doc)

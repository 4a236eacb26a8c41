"""Triples of classifier-routed pages stay only when their head is of the theme's kind."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.annotate.theme_confirmation import theme_confirmed, uncategorised
from kg2instruction.config.routing import load_routing

THEMES = Path(__file__).resolve().parents[3] / "themes"
ROUTING = load_routing(THEMES / "theme_routing.yaml", THEMES)


def triple(paragraph: str, head: str, relation: str) -> dict:
    return {"paragraph_id": paragraph, "head_qid": head, "relation": relation}


def test_only_classifier_pages_are_judged_and_the_alias_relation_never() -> None:
    """Ethics (Q9465, classed as no theme's kind) as a parent taxon on a page the classifier
    called Creature goes; an aardvark (organism) stays, and so does a head the KG gives no class
    (Q1, unknown); the same triple on a page the KG routed stays, and so does a name the text
    gives ethics."""
    categories = {"Q46212": ["organism"], "Q9465": ["other"], "Q1": ["other"]}
    triples = [triple("zh:1:0", "Q9465", "parent taxon"),       # classifier page, not a taxon
               triple("zh:1:0", "Q46212", "parent taxon"),      # classifier page, a taxon
               triple("zh:1:0", "Q9465", "alternative name"),   # exempt
               triple("zh:2:0", "Q9465", "parent taxon"),       # the KG routed this page
               triple("zh:1:0", "Q1", "parent taxon"),          # a head of unknown kind
               triple("zh:1:0", None, "parent taxon")]          # no head entity at all
    kept, dropped = theme_confirmed(triples, {"zh:1:0"}, "creature", ROUTING, categories, {},
                                    {"Q1"}, ["alternative name"])
    assert kept == triples[1:5] and dropped == 2


def test_uncategorised_heads_are_those_with_no_category_but_the_fallback() -> None:
    categories = {"Q1": ["other"], "Q2": [], "Q3": ["organism"], "Q4": ["human", "other"]}
    assert uncategorised(["Q3", "Q2", "Q1", "Q4", "Q5"], categories) == ["Q1", "Q2", "Q5"]


def test_a_direct_class_of_the_routing_table_confirms_the_theme() -> None:
    car_class = next(q for q, theme in ROUTING.by_class.items() if theme == "artificial_object")
    row = triple("en:1:0", "Q1", "manufacturer")
    kept, dropped = theme_confirmed([row], {"en:1:0"}, "artificial_object", ROUTING,
                                    {"Q1": ["product"]}, {"Q1": [car_class]}, set())
    assert kept == [row] and dropped == 0
    kept, dropped = theme_confirmed([row], {"en:1:0"}, "artificial_object", ROUTING,
                                    {"Q1": ["product"]}, {}, set())
    assert kept == [] and dropped == 1

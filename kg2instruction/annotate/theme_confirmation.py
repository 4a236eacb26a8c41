"""On a page the text classifier routed, a triple must show through its head that it belongs to
the theme.

A page is routed by its subject's KG type when the KG has one; only pages the KG cannot place (no
subject, or a subject whose classes fall in no theme) go to the text classifier. A keyword
classifier finds "属于" and "分布" in an article on ethics or on Croatian and calls it Creature,
and every subclass-of fact of the page becomes a "parent taxon" (hand audit of the sample, 2026-12:
of 55 kept non-alias triples on classifier-routed pages, 30 correct; on pages the KG routed, 87
of 94 kept triples). The classifier says what the text sounds like, not what its entities
are. So on such a page a triple goes when the KG says its head is another kind of entity than
the theme is about: the head has a category, or a P31 class, and none of its categories or
direct classes routes to the theme by the routing table itself. A head the KG gives no class at
all is as unknown as the page and stays (the bundled KG lacks P31 for 43% of its entities, 71% of
T-REx's page subjects; dropping those cost 71 T-REx gold facts). Pages the KG routed are left as
they are. The alias relation is exempt: every theme has it, and a name the text gives is as true
of a music genre as of a river (the same audit: 31 of the 34 kept alias triples of
classifier-routed pages correct).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from kg2instruction.annotate.theme_router import direct_instances
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import FALLBACK_CATEGORY
from kg2instruction.config.routing import Routing
from kg2instruction.kg.protocol import KnowledgeGraph

__all__ = ["CLASSIFIER_ROUTE", "confirm_themes", "theme_confirmed", "uncategorised"]

CLASSIFIER_ROUTE = "classifier"   # RoutedPage.routed_by of pages the text classifier routed


def uncategorised(qids: Iterable[str], categories_of: Mapping[str, Sequence[str]]) -> list[str]:
    """The QIDs without a category (none, or only the `other` fallback), sorted."""
    return sorted({q for q in qids
                   if not [c for c in categories_of.get(q, ()) if c != FALLBACK_CATEGORY]})


def theme_confirmed(triples: Iterable[dict[str, Any]], classifier_paragraphs: Collection[str],
                    theme: str, routing: Routing, categories_of: Mapping[str, Sequence[str]],
                    classes_of: Mapping[str, Sequence[str]], unknown: Collection[str],
                    exempt_relations: Collection[str] = ()) -> tuple[list[dict[str, Any]], int]:
    """The triples that stay and how many were dropped. `classifier_paragraphs`: ids of the
    paragraphs whose page the classifier routed; `categories_of` / `classes_of`: each head QID's
    categories and its direct P31 classes among `routing.by_class`; `unknown`: heads with no
    category and no P31 class; `exempt_relations`: labels kept wherever they are (the alias
    relation)."""
    kept: list[dict[str, Any]] = []
    dropped = 0
    for triple in triples:
        head = triple.get("head_qid")
        if (triple["paragraph_id"] not in classifier_paragraphs
                or triple["relation"] in exempt_relations
                or (head and (head in unknown
                              or routing.routes_to(theme, categories_of.get(head, ()),
                                                   classes_of.get(head, ()))))):
            kept.append(triple)
        else:
            dropped += 1
    return kept, dropped


def confirm_themes(triples: list[dict[str, Any]], classifier_paragraphs: Collection[str],
                   theme: str, routing: Routing, categories_of: Mapping[str, Sequence[str]],
                   kg: KnowledgeGraph, resolver: TypeResolver,
                   exempt_relations: Collection[str] = ()) -> tuple[list[dict[str, Any]], int]:
    """`theme_confirmed` with what it needs looked up in `kg`: the heads' direct classes of the
    routing table and which heads the KG gives no class at all (two batched calls)."""
    heads = sorted({t["head_qid"] for t in triples
                    if t["paragraph_id"] in classifier_paragraphs and t["head_qid"]})
    classes_of = direct_instances(kg, heads, routing.by_class) if heads else {}
    unknown = resolver.unclassed(uncategorised(heads, categories_of))
    return theme_confirmed(triples, classifier_paragraphs, theme, routing, categories_of,
                           classes_of, unknown, exempt_relations)

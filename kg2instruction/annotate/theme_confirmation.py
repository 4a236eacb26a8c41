"""On a page the text classifier routed, a triple must show through its head that it belongs to
the theme.

A page is routed by its subject's KG type when the KG has one; only pages the KG cannot place (no
subject, or a subject whose classes fall in no theme) go to the text classifier. A keyword
classifier finds "属于" and "分布" in an article on ethics or on Croatian and calls it Creature,
and every subclass-of fact of the page becomes a "parent taxon" (hand audit of the sample, 2026-12:
of 55 kept non-alias triples on classifier-routed pages, 30 correct; on pages the KG routed, 87
of 94 kept triples). The classifier says what the text sounds like, not what its entities
are. So on such a page a triple stays only when its head is the kind of entity the theme is
about, by the routing table itself (a category or a direct class of the head routes there), and
pages the KG routed are left as they are. The alias relation is exempt: every theme has it, and a
name the text gives is as true of a music genre as of a river (the same audit: 31 of the 34 kept
alias triples of classifier-routed pages correct).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from kg2instruction.config.routing import Routing

__all__ = ["CLASSIFIER_ROUTE", "theme_confirmed"]

CLASSIFIER_ROUTE = "classifier"   # RoutedPage.routed_by of pages the text classifier routed


def theme_confirmed(triples: Iterable[dict[str, Any]], classifier_paragraphs: Collection[str],
                    theme: str, routing: Routing, categories_of: Mapping[str, Sequence[str]],
                    classes_of: Mapping[str, Sequence[str]], exempt_relations: Collection[str] = ()
                    ) -> tuple[list[dict[str, Any]], int]:
    """The triples that stay and how many were dropped. `classifier_paragraphs`: ids of the
    paragraphs whose page the classifier routed; `categories_of` / `classes_of`: each head QID's
    categories and its direct P31 classes among `routing.by_class`; `exempt_relations`: labels
    kept wherever they are (the alias relation)."""
    kept: list[dict[str, Any]] = []
    dropped = 0
    for triple in triples:
        head = triple.get("head_qid")
        if (triple["paragraph_id"] not in classifier_paragraphs
                or triple["relation"] in exempt_relations
                or (head and routing.routes_to(theme, categories_of.get(head, ()),
                                               classes_of.get(head, ())))):
            kept.append(triple)
        else:
            dropped += 1
    return kept, dropped

"""Entity-type categories of linked mentions: P31, then P279 upwards, onto the 14 categories.

The closure itself is the knowledge graph's job (`KnowledgeGraph.types`, one batched, cycle-safe,
depth-bounded query per call, identical on both backends); this module decides what a mention's
*one* category is: the highest-priority category its classes reach (`themes/entity_types.yaml`
`priority`), `time`/`measure` for value mentions by their datatype, `other` when nothing is
reached. Results are cached per resolver, and a resolver lives for one shard, so a QID seen in
many paragraphs costs one lookup.

An entity without classes (the KG has no P31 for it, as for 71% of the T-REx page subjects in the
bundled sample) is typed by the properties of its own statements (`entity_types.yaml`
`claim_signals`, one vote per property used): someone with a P106 occupation is a human, the value
of a P19 place of birth a geographic region. An entity whose classes are known but listed nowhere
(a position, an award) stays `other`: its classes said what it is. The statements come from the
process's neighbour cache, which disambiguation has usually filled for the same entities already.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from kg2instruction.annotate.neighbour_cache import neighbour_cache
from kg2instruction.config.entity_types import FALLBACK_CATEGORY, EntityTypes
from kg2instruction.kg.protocol import KnowledgeGraph

CLASS_PROPERTY = "P31"   # instance of: an entity with it is typed by its classes alone
# Mention sources that are values rather than entities, and the category their datatype implies.
VALUE_SOURCE_CATEGORIES: Mapping[str, str] = {"time": "time", "quantity": "measure"}


class TypeResolver:
    """Categories of QIDs under one `EntityTypes` configuration, cached for its lifetime."""

    def __init__(self, kg: KnowledgeGraph, entity_types: EntityTypes,
                 lang: str | None = None) -> None:
        """`lang`: the language neighbour lookups name (statements do not depend on it; labels
        are not used): by default English when the KG has it, else its first language."""
        self._kg = kg
        self._entity_types = entity_types
        self._roots = {name: list(spec.root_classes)
                       for name, spec in entity_types.categories.items() if spec.root_classes}
        self._rank = {name: i for i, name in enumerate(entity_types.priority)}
        self._cache: dict[str, list[str]] = {}
        self._lang = lang
        self.typed_by_claims: set[str] = set()   # QIDs whose category came from claim_signals
        self.lookups = 0   # QIDs sent to the KG (for the funnel / benchmarks)

    def reached(self, qids: Iterable[str]) -> dict[str, list[str]]:
        """Every category each QID reaches, best (configured priority) first; [] for none.

        A university is an organization *and* an architectural structure: the schema constraint
        accepts a triple when any of them fits, the reported type is the first that does."""
        wanted = list(dict.fromkeys(qids))
        missing = [q for q in wanted if q not in self._cache]
        if missing:
            self.lookups += len(missing)
            found = self._kg.types(missing, self._roots, self._entity_types.max_depth)
            for qid in missing:
                self._cache[qid] = sorted((c for c in found.get(qid, ()) if c in self._rank),
                                          key=self._rank.__getitem__)
            self._type_by_claims([q for q in missing if not self._cache[q]])
        return {q: list(self._cache[q]) for q in wanted}

    def _type_by_claims(self, qids: list[str]) -> None:
        """Fill the category of `qids` without P31 from the properties of their statements."""
        if not qids or not self._entity_types.claim_signals:
            return
        statements = neighbour_cache(self._kg).neighbours(qids, self._lookup_lang())
        for qid in qids:
            uses = [(nb.pid, nb.direction) for nb in statements.get(qid, ())]
            if (CLASS_PROPERTY, "forward") in uses:
                continue   # classed, just not in a category (a position, an award): stays other
            category = self._entity_types.categorize_by_claims(uses)
            if category is not None:
                self._cache[qid] = [category]
                self.typed_by_claims.add(qid)

    def unclassed(self, qids: Iterable[str]) -> set[str]:
        """The QIDs the KG gives no P31 class at all: their kind is unknown, not `other` (43% of
        the bundled sample's entities; few on a full dump)."""
        wanted = sorted(set(qids))
        if not wanted:
            return set()
        statements = neighbour_cache(self._kg).neighbours(wanted, self._lookup_lang())
        return {q for q in wanted
                if not any(nb.pid == CLASS_PROPERTY and nb.direction == "forward"
                           for nb in statements.get(q, ()))}

    def _lookup_lang(self) -> str:
        if self._lang is None:
            languages = tuple(getattr(self._kg, "languages", ()) or ())
            self._lang = "en" if not languages or "en" in languages else languages[0]
        return self._lang

    def categories(self, qids: Iterable[str]) -> dict[str, str]:
        """One category per QID: the best reached, `other` when none is."""
        return {q: cats[0] if cats else FALLBACK_CATEGORY for q, cats in self.reached(qids).items()}


def mention_category(source: str, qid: str | None, resolved: Mapping[str, str]) -> str:
    """Category of one mention: by datatype for value mentions, else its QID's category."""
    if source in VALUE_SOURCE_CATEGORIES:
        return VALUE_SOURCE_CATEGORIES[source]
    if qid is None:
        return FALLBACK_CATEGORY
    return resolved.get(qid, FALLBACK_CATEGORY)

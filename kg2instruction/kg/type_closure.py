"""P31-then-P279* closure into configured root categories, independent of the storage backend.

A SPARQL property path (`wdt:P31/wdt:P279*`) cannot bound the number of hops, and both backends
must give the same categories for the same `max_depth`; so the closure is computed here, over
parent edges that a backend fetches one BFS level at a time (one batched query per level).
Semantics (the same as `DuckDBKG.types`): an entity's categories are those of every class within
`max_depth` P279 hops of one of its P31 classes (the P31 class itself is hop 0); visited sets make
cycles harmless; an entity is not its own type unless it is an instance of itself.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

ParentsOf = Callable[[Sequence[str]], Mapping[str, set[str]]]


def superclass_edges(start: set[str], parents_of: ParentsOf, max_depth: int) -> dict[str, set[str]]:
    """P279 edges of every class fewer than `max_depth` hops above `start` (one fetch per level)."""
    edges: dict[str, set[str]] = {}
    frontier = set(start)
    for _ in range(max_depth):
        frontier -= edges.keys()
        if not frontier:
            break
        parents = parents_of(sorted(frontier))
        for cls in frontier:
            edges[cls] = set(parents.get(cls, ()))
        frontier = set().union(*(edges[cls] for cls in frontier))
    return edges


def categories(direct_classes: Mapping[str, set[str]], edges: Mapping[str, set[str]],
               roots: Mapping[str, Sequence[str]], max_depth: int) -> dict[str, list[str]]:
    """Sorted categories per entity; entities reaching no root are absent."""
    categories_of_root: dict[str, set[str]] = defaultdict(set)
    for category, root_ids in roots.items():
        for root in root_ids:
            categories_of_root[root].add(category)
    result: dict[str, list[str]] = {}
    for entity, classes in direct_classes.items():
        seen, level = set(classes), set(classes)
        for _ in range(max_depth):
            level = {parent for cls in level for parent in edges.get(cls, ())} - seen
            if not level:
                break
            seen |= level
        found = {category for cls in seen for category in categories_of_root.get(cls, ())}
        if found:
            result[entity] = sorted(found)
    return result

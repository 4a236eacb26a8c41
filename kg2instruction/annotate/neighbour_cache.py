"""A per-process memo of `kg.neighbours`, shared by the annotation steps of one worker.

The same few entities come back in every shard ("United States", "human", "English", a page's
country), and they are exactly the expensive ones: tens of thousands of neighbours each. A worker
keeps the answers for the entities it saw last, bounded by the total number of neighbours held,
so mention finding and disambiguation (and every later shard) ask the KG only for what is new.
The KG is read-only during a run, so cached and fresh answers are identical: outputs do not depend
on what happens to be cached.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Sequence

from kg2instruction.kg.protocol import KnowledgeGraph, Neighbour
from kg2instruction.text.normalize import normalize_name

DEFAULT_MAX_NEIGHBOURS = 400_000   # neighbours held per process (roughly 100 MB)
INSTANCE_OF = "P31"


class NeighbourCache:
    """LRU over (lang, qid) -> neighbours, bounded by the number of neighbours held."""

    def __init__(self, kg: KnowledgeGraph, max_neighbours: int = DEFAULT_MAX_NEIGHBOURS) -> None:
        self._kg = kg
        self._max = max_neighbours
        self._held = 0
        self._entries: OrderedDict[tuple[str, str], list[Neighbour]] = OrderedDict()
        self._names: dict[tuple[str, str], frozenset[str]] = {}   # evicted with their entry

    def neighbours(self, qids: Sequence[str], lang: str) -> dict[str, list[Neighbour]]:
        """Same answer as `kg.neighbours(qids, lang)`; one KG call for the uncached QIDs.

        The cached answers are taken before anything new is stored: storing evicts the least
        recently used entries, possibly ones of this very batch, which must not then read as
        entities without neighbours (a long-running process typed "Turkish people" `other`
        where a fresh one, asking the KG, typed it `human`)."""
        wanted = list(dict.fromkeys(qids))
        cached = {q: self._entries[(lang, q)] for q in wanted if (lang, q) in self._entries}
        for qid in cached:
            self._entries.move_to_end((lang, qid))
        missing = [q for q in wanted if q not in cached]
        fetched = self._kg.neighbours(missing, lang) if missing else {}
        result = {}
        for qid in wanted:
            if qid in cached:
                found = cached[qid]
            else:
                found = fetched.get(qid, [])
                self._store((lang, qid), found)
            if found:
                result[qid] = found
        return result

    def names(self, qids: Sequence[str], lang: str) -> dict[str, frozenset[str]]:
        """Normalised labels and aliases of each entity's neighbours (tail-label overlap needs
        only these), computed once per cached entity."""
        neighbours = self.neighbours(qids, lang)
        result = {}
        for qid, items in neighbours.items():
            key = (lang, qid)
            names = self._names.get(key)
            if names is None:
                names = frozenset(normalize_name(name, lang) for nb in items
                                  for name in ((nb.label,) if nb.label else ()) + tuple(nb.aliases))
                if key in self._entries:
                    self._names[key] = names
            result[qid] = names
        return result

    def classes(self, qids: Sequence[str], lang: str) -> dict[str, frozenset[str]]:
        """The classes (P31 values) of each entity, from its cached neighbours; empty for an
        entity the KG gives no class."""
        neighbours = self.neighbours(qids, lang)
        return {q: frozenset(nb.qid for nb in neighbours.get(q, ())
                             if nb.pid == INSTANCE_OF and nb.direction == "forward")
                for q in dict.fromkeys(qids)}

    def _store(self, key: tuple[str, str], items: list[Neighbour]) -> None:
        if len(items) > self._max:
            return
        self._entries[key] = items
        self._held += len(items)
        while self._held > self._max:
            evicted_key, evicted = self._entries.popitem(last=False)
            self._names.pop(evicted_key, None)
            self._held -= len(evicted)


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def neighbour_cache(kg: KnowledgeGraph) -> NeighbourCache:
    """The process's cache for this KG object (a fresh, unshared one if it cannot be weakly
    referenced)."""
    try:
        cache = _CACHES.get(kg)
        if cache is None:
            cache = _CACHES[kg] = NeighbourCache(kg)
        return cache
    except TypeError:
        return NeighbourCache(kg)

"""The per-process neighbour memo answers exactly as the KG does, within its bound."""
from __future__ import annotations

from kg2instruction.annotate.neighbour_cache import NeighbourCache, neighbour_cache
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.text.normalize import normalize_name

QIDS = ["Q1428", "Q91", "Q40348", "Q0"]     # Georgia (state), Lincoln, lawyer, nothing


def test_same_answers_as_the_kg_cached_or_not(kg: DuckDBKG) -> None:
    cache = NeighbourCache(kg)
    fresh = kg.neighbours(QIDS, "en")
    assert cache.neighbours(QIDS, "en") == fresh
    assert cache.neighbours(list(reversed(QIDS)), "en") == fresh       # now from the cache
    names = cache.names(["Q1428"], "en")["Q1428"]
    assert "atlanta" in names and names == {normalize_name(n, "en") for nb in fresh["Q1428"]
                                            for n in [nb.label, *nb.aliases] if n}


def test_bounded_by_neighbours_held(kg: DuckDBKG) -> None:
    sizes = {q: len(v) for q, v in kg.neighbours(QIDS, "en").items()}
    first, second = sorted(sizes, key=sizes.get)[:2]
    cache = NeighbourCache(kg, max_neighbours=sizes[first] + sizes[second] - 1)
    cache.neighbours([first], "en")
    cache.neighbours([second], "en")            # no room for both: the older one is evicted
    assert ("en", first) not in cache._entries and ("en", second) in cache._entries
    assert cache.neighbours([first], "en") == {first: kg.neighbours([first], "en")[first]}
    too_big = max(sizes, key=sizes.get)
    cache.neighbours([too_big], "en")           # larger than the whole bound: served, not kept
    assert ("en", too_big) not in cache._entries


def test_one_cache_per_kg_object(kg: DuckDBKG) -> None:
    assert neighbour_cache(kg) is neighbour_cache(kg)


def test_a_cached_entity_evicted_by_its_own_batch_keeps_its_answer(kg: DuckDBKG) -> None:
    """A batch holding a cached entity and new ones that fill the bound: storing the new ones
    evicts the cached entry while the batch is answered, and its answer must still be the KG's
    (it used to come back empty, which typed an entity by no statements at all)."""
    sizes = {q: len(v) for q, v in kg.neighbours(QIDS, "en").items()}
    small, large = sorted(sizes, key=sizes.get)[0], sorted(sizes, key=sizes.get)[1]
    cache = NeighbourCache(kg, max_neighbours=sizes[small] + sizes[large] - 1)
    cache.neighbours([small], "en")
    # the cached `small` comes after `large` in the batch: storing `large` evicts `small` first
    answer = cache.neighbours([large, small], "en")
    assert ("en", small) not in cache._entries
    assert answer == kg.neighbours([large, small], "en")

"""SparqlKG (Oxigraph serving the RDF export) and DuckDBKG give the same answers on the same KG.

Two real KGs: the head50 dump lines + Q42 (time, quantity, ranks, sitelinks, zh labels), and a
closed subset of the bundled sample KG (humans, their neighbours, all their class ancestors).
Time and quantity values are compared after `canonical_time` / `canonical_amount` (SPARQL stores
rewrite typed literals); candidates are compared exactly where the module docstring of
`sparql_kg` says both must agree, and as a subset everywhere else.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.sparql_kg import SparqlKG, surface_variants
from kg2instruction.kg.wikidata_rdf import canonical_amount, canonical_time

from .conftest import SampleSubset

ROOTS = {"human": ["Q5"], "organization": ["Q43229"], "geographic region": ["Q82794"],
         "country": ["Q6256"], "city": ["Q515"], "human settlement": ["Q486972"],
         "event": ["Q1656682"], "organism": ["Q7239"], "work": ["Q386724"],
         "occupation": ["Q12737077"], "profession": ["Q28640"], "class": ["Q16889133"]}


def _items(kg_path: Path) -> list[str]:
    with duckdb.connect(str(kg_path), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT id FROM entities WHERE kind = 'item' ORDER BY id")
                .fetchall()]


@dataclasses.dataclass
class Backends:
    duck: DuckDBKG
    sparql: SparqlKG
    ids: list[str]    # every entity the endpoint holds
    seeds: list[str]  # entities whose neighbourhood the endpoint holds completely


@pytest.fixture(scope="module")
def small(small_kg: Path, small_endpoint: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Backends]:
    cache = tmp_path_factory.mktemp("sparql_cache")
    ids = _items(small_kg)
    with DuckDBKG(small_kg) as duck:
        yield Backends(duck, SparqlKG(small_endpoint, cache_dir=cache, max_retries=0), ids, ids)


@pytest.fixture(scope="module")
def sample(sample_kg: Path, sample_endpoint: str, sample_subset: SampleSubset
           ) -> Iterator[Backends]:
    with DuckDBKG(sample_kg) as duck:
        yield Backends(duck, SparqlKG(sample_endpoint, cache_dir=None, max_retries=0,
                                      batch_size=150), sample_subset.entities, sample_subset.seeds)


@pytest.fixture(params=["small", "sample"])
def backends(request: pytest.FixtureRequest) -> Backends:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_labels_and_aliases_agree(backends: Backends, lang: str) -> None:
    duck, sparql, ids = backends.duck, backends.sparql, backends.ids
    wanted = ids + ["Q999999999"]  # an unknown entity is absent from both
    labels = duck.labels(wanted, lang)
    assert labels and sparql.labels(wanted, lang) == labels
    aliases = duck.aliases(wanted, lang)
    assert aliases and sparql.aliases(wanted, lang) == aliases


def test_neighbours_agree(backends: Backends) -> None:
    duck, sparql, seeds = backends.duck, backends.sparql, backends.seeds
    expected = duck.neighbours(seeds, "en")
    assert sum(map(len, expected.values())) > 100
    assert sparql.neighbours(seeds, "en") == expected


def test_reverse_degrees_agree(backends: Backends) -> None:
    """What points at an entity (linking's prominence): counted in the store's `degrees` table on
    one side, by a COUNT over the endpoint on the other; the seeds' reverse edges are complete."""
    duck, sparql, seeds = backends.duck, backends.sparql, backends.seeds
    wanted = seeds + ["Q999999999"]
    expected = duck.reverse_degrees(wanted)
    assert expected["Q999999999"] == 0 and sum(expected.values()) > 10
    assert sparql.reverse_degrees(wanted) == expected


def test_claims_between_agree_in_both_directions(backends: Backends) -> None:
    duck, sparql, ids = backends.duck, backends.sparql, backends.ids
    neighbours = duck.neighbours(backends.seeds, "en")
    linked = [(qid, n.qid) for qid, found in neighbours.items() for n in found]
    pairs = linked[::2] + [(b, a) for a, b in linked[1::2]] + list(zip(ids, reversed(ids)))
    expected = duck.claims_between(pairs)
    assert {c.rank for c in expected} >= {"normal"} and len(expected) > 50
    assert sparql.claims_between(pairs) == expected


def test_types_closure_agrees(backends: Backends) -> None:
    duck, sparql, ids = backends.duck, backends.sparql, backends.ids
    for depth in (0, 1, 8):
        expected = duck.types(ids, ROOTS, max_depth=depth)
        assert sparql.types(ids, ROOTS, max_depth=depth) == expected


def test_types_closure_depth_matters_on_the_sample(sample: Backends, sample_kg: Path) -> None:
    # Roots two P279 hops above the entities' classes: reached only when the closure walks up.
    with duckdb.connect(str(sample_kg), read_only=True) as con:
        grandparents = [r[0] for r in con.execute("""
            SELECT DISTINCT c3.tail FROM claims c1
            JOIN claims c2 ON c2.head = c1.tail AND c2.pid = 'P279'
            JOIN claims c3 ON c3.head = c2.tail AND c3.pid = 'P279'
            WHERE c1.pid = 'P31' AND c1.head IN (SELECT unnest($ids))
            ORDER BY 1 LIMIT 20""", {"ids": sample.ids}).fetchall()]
    roots = {f"root {qid}": [qid] for qid in grandparents}
    assert roots
    by_depth = {depth: sample.sparql.types(sample.ids, roots, max_depth=depth) for depth in (1, 2, 8)}
    assert not by_depth[1] and by_depth[2]  # two hops are needed, and enough
    for depth, found in by_depth.items():
        assert found == sample.duck.types(sample.ids, roots, max_depth=depth)


def test_statement_counts_agree(backends: Backends) -> None:
    duck, sparql, ids = backends.duck, backends.sparql, backends.ids
    wanted = ids + ["Q999999999"]
    assert sparql.n_claims(wanted) == duck.n_claims(wanted)


def _names_both_must_find(duck: DuckDBKG, names: list[str], lang: str) -> list[str]:
    """Names whose every DuckDB match is spelled like one of SparqlKG's surface variants."""
    found = duck.candidates(names, lang)
    return [name for name in names if name in found and
            all(c.matched in surface_variants(name, lang) or
                c.matched in surface_variants(name, "en") for c in found[name])]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_candidates_agree(backends: Backends, lang: str) -> None:
    duck, sparql, ids = backends.duck, backends.sparql, backends.ids
    kept = set(ids)
    pool = ids[::max(1, len(ids) // 250)]  # a spread of at most ~250 entities keeps this fast
    labels = list(duck.labels(pool, lang).values())
    aliases = [a for values in duck.aliases(pool, lang).values() for a in values]
    names = sorted(set(labels + aliases + [n.lower() for n in labels] + [n.upper() for n in labels]
                       + ["no such name at all"]))
    # The sample endpoint holds a subset: DuckDB matches outside it cannot be found there.
    expected = {name: [c for c in found if c.qid in kept]
                for name, found in duck.candidates(names, lang).items()}
    expected = {name: found for name, found in expected.items() if found}
    actual = sparql.candidates(names, lang)
    must_agree = _names_both_must_find(duck, names, lang)
    assert len(must_agree) > len(expected) / 2  # the exact comparison covers most names
    for name in must_agree:
        assert actual.get(name) == expected.get(name), name
    for name, found in actual.items():  # every entity SparqlKG finds, DuckDB finds too
        assert {c.qid for c in found} <= {c.qid for c in expected[name]}, name


def test_time_and_quantity_values_agree(small: Backends) -> None:
    duck, sparql, ids = small.duck, small.sparql, small.ids
    times = sorted({dataclasses.replace(t, time=canonical_time(t.time, t.precision))
                    for t in duck.time_values(ids)})
    assert {t.calendar for t in times} == {"Q1985727", "Q1985786"}  # Gregorian and Julian
    assert any(t.time.startswith("-") for t in times)                # BCE dates
    assert sparql.time_values(ids) == times
    amounts = sorted({dataclasses.replace(v, amount=canonical_amount(v.amount))
                      for v in duck.quantity_values(ids)})
    assert {"1"} < {v.unit for v in amounts}                         # dimensionless and units
    assert sparql.quantity_values(ids) == amounts


def test_demonyms_agree(small: Backends) -> None:
    """The real dump lines carry P1549 in many languages; one language's are asked for."""
    duck, sparql, ids = small.duck, small.sparql, small.ids
    english = duck.demonyms(ids, "en")
    assert english["Q31"] == ["Belgian"] and english["Q22"] == ["Scottish"]
    assert sparql.demonyms(ids, "en") == english
    assert sparql.demonyms(ids, "zh") == duck.demonyms(ids, "zh")
    assert duck.demonyms(["Q42"], "en") == {} == sparql.demonyms(["Q42"], "en")


def test_q42_values_exactly(small: Backends) -> None:
    duck, sparql = small.duck, small.sparql
    assert sparql.time_values(["Q42"]) == [
        dataclasses.replace(t, time=canonical_time(t.time, t.precision))
        for t in duck.time_values(["Q42"])]
    births = [t for t in sparql.time_values(["Q42"]) if t.pid == "P569"]
    assert [(t.time, t.precision) for t in births] == [("+1952-03-11T00:00:00Z", 11)]
    assert sparql.quantity_values(["Q42"]) == duck.quantity_values(["Q42"])  # already canonical


def test_sitelinks_agree(small: Backends, small_kg: Path) -> None:
    duck, sparql = small.duck, small.sparql
    with duckdb.connect(str(small_kg), read_only=True) as con:
        rows = con.execute("SELECT wiki, title FROM sitelinks ORDER BY ALL").fetchall()
    for wiki in ("enwiki", "zhwiki"):
        titles = [title for w, title in rows if w == wiki]
        variants = titles + [t.replace(" ", "_") for t in titles] + \
            [t[:1].lower() + t[1:] for t in titles] + ["No such page"]
        expected = duck.sitelinks(variants, wiki)
        assert len(expected) >= len(titles) > 0
        assert sparql.sitelinks(variants, wiki) == expected

"""The SPARQL backend honours the same neighbour cap as the DuckDB store, keeping the same rows."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.lookup_config import KGLookupConfig
from kg2instruction.kg.sparql_kg import SparqlKG

from .conftest import SampleSubset

# On the sample subset, Q2599's reverse edges come from heads with 11, 3, 3 and 2 statements: a cap
# of 2 cuts between the two tied heads (Q622988, Q1629902), which only the QID-number tie-break
# (not string order) decides the same way on both backends.
CAP = KGLookupConfig(max_reverse_neighbours=2)


@pytest.fixture(scope="module")
def capped(sample_kg: Path, sample_endpoint: str) -> Iterator[tuple[DuckDBKG, SparqlKG]]:
    with DuckDBKG(sample_kg, CAP) as duck, \
            SparqlKG(sample_endpoint, cache_dir=None, max_retries=0, batch_size=150,
                     lookup=CAP) as sparql:
        yield duck, sparql


def test_capped_neighbours_agree(capped: tuple[DuckDBKG, SparqlKG],
                                 sample_subset: SampleSubset) -> None:
    """The seeds' neighbourhoods are complete on the endpoint; several have more reverse edges
    than the cap, so the SPARQL side must pick the same ones (statement count, QID, property)."""
    duck, sparql = capped
    seeds = sample_subset.seeds
    hubs = [qid for qid, (_, reverse) in duck.degrees(seeds).items()
            if reverse > CAP.max_reverse_neighbours]
    assert len(hubs) >= 2
    expected = duck.neighbours(seeds, "en")
    for qid in hubs:
        assert sum(n.direction == "reverse" for n in expected[qid]) == CAP.max_reverse_neighbours
    assert sparql.neighbours(seeds, "en") == expected

"""Fixtures for the SPARQL backend: real KGs, their RDF export served by Oxigraph, faulty servers."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from rdflib import Graph, Literal, URIRef

from kg2instruction.kg.build import build_kg
from kg2instruction.kg.build_config import BuildResources
from kg2instruction.kg.rdf_export import export_rdf
from kg2instruction.kg.wikidata_rdf import RDFS, WD

from .servers import FaultyServer, OxigraphServer

# Labels that try to break out of a SPARQL string literal (used by the escaping tests).
HOSTILE_LABELS = {
    "Q901": 'quote " inside',
    "Q902": "brace } UNION { ?e ?p ?o }",
    "Q903": "back\\slash \\u0022 and \\\\ two",
    "Q904": "new\nline\r\tand tab",
    "Q905": 'x" } UNION { ?e rdfs:label ?name . BIND("label" AS ?via) } #',
    "Q906": "apostrophe ' and ''' triple",
    "Q907": "x",
}


def _serve(rdf_file: Path, store_dir: Path) -> Iterator[str]:
    server = OxigraphServer(rdf_file, store_dir).start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def faulty_server() -> Iterator[FaultyServer]:
    server = FaultyServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def small_dump(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real head50 dump lines (cut mid-file) followed by Q42's entity, as one dump file."""
    head = (fixtures_dir / "wikidata" / "latest-all.head50.json").read_text("utf-8").rstrip()
    q42 = next(iter(json.loads((fixtures_dir / "wikidata" / "Q42.json").read_text("utf-8"))
                    ["entities"].values()))
    dump = tmp_path_factory.mktemp("small_dump") / "latest-all.json"
    separator = "" if head.endswith(",") else ","
    dump.write_text(f"{head}{separator}\n{json.dumps(q42, ensure_ascii=False)}\n]\n", "utf-8")
    return dump


@pytest.fixture(scope="session")
def small_kg(small_dump: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small_kg") / "kg.duckdb"
    build_kg(small_dump, out, resources=BuildResources(progress=False))
    return out


@pytest.fixture(scope="session")
def small_kg_nt(small_kg: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small_rdf") / "kg.nt"
    export_rdf(small_kg, out)
    return out


@pytest.fixture(scope="session")
def small_endpoint(small_kg_nt: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Oxigraph serving the RDF export of the head50 + Q42 KG."""
    yield from _serve(small_kg_nt, tmp_path_factory.mktemp("small_store") / "store")


@dataclass(frozen=True)
class SampleSubset:
    """A closed subset of the sample KG small enough to load quickly: `seeds` (the most-claimed
    humans), every entity linked to them (both directions), and all their P31/P279 ancestors.
    Every statement of a member is exported, so the neighbours of seeds are complete."""

    seeds: list[str]
    entities: list[str]


@pytest.fixture(scope="session")
def sample_subset(sample_kg: Path) -> SampleSubset:
    with duckdb.connect(str(sample_kg), read_only=True) as con:
        seeds = [r[0] for r in con.execute("""
            SELECT c.head FROM claims c JOIN entities e ON e.id = c.head
            WHERE c.pid = 'P31' AND c.tail = 'Q5' ORDER BY e.n_claims DESC, c.head LIMIT 40
            """).fetchall()]
        linked = [r[0] for r in con.execute("""
            WITH s AS (SELECT unnest($seeds) AS id)
            SELECT tail FROM claims SEMI JOIN s ON claims.head = s.id
            UNION SELECT head FROM claims SEMI JOIN s ON claims.tail = s.id""",
            {"seeds": seeds}).fetchall()]
        closure = set(seeds) | set(linked)
        frontier = set(closure)
        while frontier:
            parents = {r[0] for r in con.execute("""
                SELECT tail FROM claims SEMI JOIN (SELECT unnest($ids) AS id) f
                  ON claims.head = f.id WHERE pid IN ('P31', 'P279')""",
                {"ids": sorted(frontier)}).fetchall()}
            frontier = parents - closure
            closure |= frontier
    return SampleSubset(seeds, sorted(closure))


@pytest.fixture(scope="session")
def sample_endpoint(sample_kg: Path, sample_subset: SampleSubset,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Oxigraph serving the RDF export of the sample KG restricted to `sample_subset`."""
    out = tmp_path_factory.mktemp("sample_rdf") / "sample.nt"
    export_rdf(sample_kg, out, entities=sample_subset.entities)
    yield from _serve(out, tmp_path_factory.mktemp("sample_store") / "store")


@pytest.fixture(scope="module")
def hostile_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hand-made graph whose labels try to break out of SPARQL string literals."""
    graph = Graph()
    for qid, label in HOSTILE_LABELS.items():
        graph.add((URIRef(WD + qid), URIRef(RDFS + "label"), Literal(label, lang="en")))
    rdf_file = tmp_path_factory.mktemp("hostile") / "hostile.nt"
    graph.serialize(rdf_file, format="nt11", encoding="utf-8")
    yield from _serve(rdf_file, tmp_path_factory.mktemp("hostile_store") / "store")

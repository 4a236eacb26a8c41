"""Hostile strings cannot change a SPARQL query: checked against a real Oxigraph server."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg2instruction.kg import sparql_queries as q
from kg2instruction.kg.sparql_client import SparqlClient, settings_from_options
from kg2instruction.kg.sparql_kg import SparqlKG

from .conftest import HOSTILE_LABELS


@pytest.fixture(scope="module")
def hostile_kg(hostile_endpoint: str) -> SparqlKG:
    return SparqlKG(hostile_endpoint, cache_dir=None, max_retries=0)


@pytest.mark.parametrize("qid", sorted(HOSTILE_LABELS))
def test_hostile_label_matches_only_itself(hostile_kg: SparqlKG, qid: str) -> None:
    label = HOSTILE_LABELS[qid]
    found = hostile_kg.candidates([label], "en")
    assert [(c.qid, c.matched) for c in found[label]] == [(qid, label)]


def test_injection_attempt_returns_nothing(hostile_kg: SparqlKG) -> None:
    # Unescaped, this would close the literal and add a pattern matching every label.
    attack = 'nothing"@en } UNION { ?e rdfs:label ?name . BIND("label" AS ?via) } #'
    assert hostile_kg.candidates([attack], "en") == {}
    assert hostile_kg.labels(["Q901", "Q902"], "en") == {q: HOSTILE_LABELS[q] for q in ("Q901", "Q902")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_string_round_trips_as_one_literal(hostile_endpoint: str, text: str) -> None:
    client = SparqlClient(settings_from_options(hostile_endpoint, cache_dir=None, max_retries=0))
    rows = client.select(f"SELECT ?x WHERE {{ BIND({q.string_literal(text)} AS ?x) }}")
    assert [row["x"]["value"] for row in rows] == [text]


@pytest.mark.parametrize("bad", ["Q1 } UNION {", "Q", "Q01", "wd:Q1", "Q1>", "L1", "", "q42", "Q1\n"])
def test_entity_ids_are_validated(bad: str) -> None:
    with pytest.raises(ValueError, match="entity id"):
        q.labels_query([bad], ["en"])


@pytest.mark.parametrize("bad", ['en") || true || ("', "en us", "", "e\nn", "en\n"])
def test_language_tags_are_validated(bad: str) -> None:
    with pytest.raises(ValueError, match="language tag"):
        q.labels_query(["Q1"], [bad])


def test_sitelink_site_iri_is_validated() -> None:
    with pytest.raises(ValueError, match="IRI"):
        q.sitelinks_query("https://en.wikipedia.org/> } #", ["x"], "en")


def test_string_literal_escapes_terminators() -> None:
    literal = q.string_literal('a"b\\c\nd', "en")
    assert literal == '"a\\"b\\\\c\\nd"@en'
    assert "\n" not in q.string_literal("x\ny\rz")


def test_chunked_covers_every_item_once() -> None:
    items = list(range(450))
    chunks = list(q.chunked(items, 200))
    assert [len(c) for c in chunks] == [200, 200, 50]
    assert [x for c in chunks for x in c] == items


def test_oxigraph_fixture_is_really_serving(hostile_endpoint: str, tmp_path: Path) -> None:
    # The endpoint answers real SPARQL: a query over the whole graph counts every label.
    client = SparqlClient(settings_from_options(hostile_endpoint, cache_dir=tmp_path))
    rows = client.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]["value"]) == len(HOSTILE_LABELS)

"""The RDF export of a real KG (head50 dump lines + Q42), parsed back with rdflib's own parsers."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdf_ns

from kg2instruction.cli import main
from kg2instruction.errors import InputError
from kg2instruction.kg.rdf_export import export_rdf, read_entity_list
from kg2instruction.kg.wikidata_rdf import P, PS, PSV, RANK_IRIS, SCHEMA, WD, WDT, WIKIBASE


@pytest.fixture(scope="module")
def graph(small_kg_nt: Path) -> Graph:
    parsed = Graph()
    parsed.parse(small_kg_nt, format="nt")
    return parsed


def _by_value(triple: tuple) -> tuple:
    obj = triple[2]
    if isinstance(obj, Literal) and obj.datatype == rdf_ns.XSD.decimal:
        obj = ("decimal", Decimal(str(obj)))
    return triple[0], triple[1], obj


def _rows(kg: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(kg), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_label_alias_and_description_is_exported(graph: Graph, small_kg: Path) -> None:
    for table, predicate in (("labels", rdf_ns.RDFS.label),
                             ("aliases", URIRef("http://www.w3.org/2004/02/skos/core#altLabel")),
                             ("descriptions", URIRef(SCHEMA + "description"))):
        rows = _rows(small_kg, f"SELECT id, lang, value FROM {table}")
        exported = {(str(s)[len(WD):], o.language, str(o)) for s, o in
                    graph.subject_objects(predicate)}
        assert exported == set(rows), table


def test_item_statements_use_the_full_statement_model(graph: Graph, small_kg: Path) -> None:
    rows = _rows(small_kg, "SELECT head, pid, tail, rank FROM claims")
    exported = set()
    for subject, predicate, statement in graph:
        if str(predicate).startswith(P) and not str(predicate).startswith(PS) \
                and isinstance(statement, URIRef) and "/statement/" in str(statement):
            pid = str(predicate)[len(P):]
            for value in graph.objects(statement, URIRef(PS + pid)):
                if str(value).startswith(WD + "Q"):
                    rank = graph.value(statement, URIRef(WIKIBASE + "rank"))
                    exported.add((str(subject)[len(WD):], pid, str(value)[len(WD):],
                                  {v: k for k, v in RANK_IRIS.items()}[str(rank)]))
    assert exported == set(rows)


def test_truthy_triples_only_for_best_rank(graph: Graph, small_kg: Path) -> None:
    mixed = _rows(small_kg, """
        SELECT head, pid FROM claims GROUP BY head, pid
        HAVING bool_or(rank = 'preferred') AND bool_or(rank = 'normal') ORDER BY ALL""")
    assert mixed, "the head50 lines have properties with preferred and normal statements"
    for head, pid in mixed:
        preferred = {r[0] for r in _rows(small_kg, f"SELECT tail FROM claims WHERE head = '{head}' "
                                                   f"AND pid = '{pid}' AND rank = 'preferred'")}
        truthy = {str(o)[len(WD):] for o in graph.objects(URIRef(WD + head), URIRef(WDT + pid))}
        assert truthy == preferred


def test_q42_time_and_quantity_value_nodes(graph: Graph, small_kg: Path) -> None:
    q42 = URIRef(WD + "Q42")
    birth = [graph.value(st, URIRef(PSV + "P569")) for st in graph.objects(q42, URIRef(P + "P569"))]
    assert len(birth) == 1
    node = birth[0]
    assert graph.value(node, URIRef(WIKIBASE + "timeValue")) == \
        Literal("1952-03-11T00:00:00Z", datatype=rdf_ns.XSD.dateTime)
    assert graph.value(node, URIRef(WIKIBASE + "timePrecision")).toPython() == 11
    assert graph.value(node, URIRef(WIKIBASE + "timeCalendarModel")) == URIRef(WD + "Q1985727")
    height = [graph.value(st, URIRef(PSV + "P2048")) for st in graph.objects(q42, URIRef(P + "P2048"))]
    assert str(graph.value(height[0], URIRef(WIKIBASE + "quantityAmount"))) == "1.96"
    assert graph.value(height[0], URIRef(WIKIBASE + "quantityUnit")) == URIRef(WD + "Q11573")
    [(n_claims,)] = _rows(small_kg, "SELECT n_claims FROM entities WHERE id = 'Q42'")
    assert [int(n) for n in graph.objects(q42, URIRef(WIKIBASE + "statements"))] == [n_claims]


def test_sitelinks_as_on_wdqs(graph: Graph) -> None:
    article = URIRef("https://en.wikipedia.org/wiki/Douglas_Adams")
    assert graph.value(article, URIRef(SCHEMA + "about")) == URIRef(WD + "Q42")
    assert graph.value(article, URIRef(SCHEMA + "isPartOf")) == URIRef("https://en.wikipedia.org/")
    assert graph.value(article, URIRef(SCHEMA + "name")) == Literal("Douglas Adams", lang="en")


def test_turtle_and_ntriples_hold_the_same_triples(small_kg: Path, graph: Graph,
                                                   tmp_path: Path) -> None:
    ttl = tmp_path / "kg.ttl"
    summary = export_rdf(small_kg, ttl, batch_triples=5_000)  # several batches, each with @prefix
    assert summary.rdf_format == "ttl" and summary.skipped_rows == 0
    assert ttl.read_text("utf-8").count("@prefix wd:") > 1
    turtle = Graph()
    turtle.parse(ttl, format="turtle")
    # Turtle writes decimals as bare numbers ("19" becomes 19.0): same value, other lexical form.
    assert {_by_value(t) for t in turtle} == {_by_value(t) for t in graph}


def test_export_is_deterministic(small_kg: Path, small_kg_nt: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.nt"
    export_rdf(small_kg, again)
    assert again.read_bytes() == small_kg_nt.read_bytes()


def test_entity_subset(small_kg: Path, tmp_path: Path) -> None:
    out = tmp_path / "subset.nt"
    export_rdf(small_kg, out, entities=["Q42", "Q22"])
    subset = Graph()
    subset.parse(out, format="nt")
    labelled = {str(s)[len(WD):] for s in subset.subjects(rdf_ns.RDFS.label)}
    assert labelled == {"Q42", "Q22"}
    assert (URIRef(WD + "Q42"), URIRef(WDT + "P31"), URIRef(WD + "Q5")) in subset


def test_failed_export_keeps_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "kg.nt"
    out.write_text("previous export\n")
    not_a_kg = tmp_path / "broken.duckdb"
    not_a_kg.write_bytes(b"this is not a DuckDB file" * 100)
    with pytest.raises(InputError, match="broken.duckdb"):
        export_rdf(not_a_kg, out)
    with pytest.raises(InputError, match="not found"):
        export_rdf(tmp_path / "missing.duckdb", out)
    other_db = tmp_path / "other.duckdb"
    with duckdb.connect(str(other_db)) as con:
        con.execute("CREATE TABLE unrelated (x INTEGER)")
    with pytest.raises(InputError, match="other.duckdb: cannot export table entities"):
        export_rdf(other_db, out)
    assert out.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kg.nt")] == []


def test_format_must_be_known(small_kg: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="RDF format"):
        export_rdf(small_kg, tmp_path / "kg.xml")
    with pytest.raises(InputError, match="unknown RDF format"):
        export_rdf(small_kg, tmp_path / "kg.nt", rdf_format="rdfxml")


def test_entity_list_errors_name_the_line(tmp_path: Path) -> None:
    listing = tmp_path / "ids.txt"
    listing.write_text("# people\nQ42\n\nQ1 } UNION {\n")
    with pytest.raises(InputError, match="ids.txt, line 4"):
        read_entity_list(listing)
    listing.write_text("Q42  # Douglas Adams\nP31\n")
    assert read_entity_list(listing) == ["Q42", "P31"]


def test_cli_export_rdf(small_kg: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    listing = tmp_path / "ids.txt"
    listing.write_text("Q42\n")
    out = tmp_path / "q42.ttl"
    assert main(["kg", "export-rdf", "--kg", str(small_kg), "--out", str(out),
                 "--entities", str(listing)]) == 0
    assert "RDF (ttl) written" in capsys.readouterr().out
    exported = Graph()
    exported.parse(out, format="turtle")
    labels = {(str(label), label.language)
              for label in exported.objects(URIRef(WD + "Q42"), rdf_ns.RDFS.label)}
    # Q42's dump has no `en` label, only the language-neutral `mul` one: exported as given.
    assert {("Douglas Adams", "mul"), ("道格拉斯·亞當斯", "zh")} <= labels
    assert main(["kg", "export-rdf", "--kg", str(small_kg), "--out", str(tmp_path / "x.nt"),
                 "--format", "xml"]) == 2
    assert "unknown RDF format" in capsys.readouterr().err

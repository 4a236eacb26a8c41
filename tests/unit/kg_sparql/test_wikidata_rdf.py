"""Dump values <-> Wikidata RDF literals, on real dump values and on worked examples."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kg2instruction.kg import wikidata_rdf as w


def test_every_real_time_value_round_trips(small_kg: Path) -> None:
    with duckdb.connect(str(small_kg), read_only=True) as con:
        rows = con.execute("SELECT time, precision, calendar FROM time_values").fetchall()
    assert len(rows) > 20
    for time, precision, calendar in rows:
        lexical = w.time_to_rdf(time, precision, calendar)
        assert not lexical.startswith("+")
        assert w.time_from_rdf(lexical, precision, calendar) == w.canonical_time(time, precision)


@pytest.mark.parametrize("time, precision, calendar, rdf", [
    ("+1952-03-11T00:00:00Z", 11, w.GREGORIAN, "1952-03-11T00:00:00Z"),
    ("+1974-00-00T00:00:00Z", 9, w.GREGORIAN, "1974-01-01T00:00:00Z"),
    ("-0044-03-15T00:00:00Z", 11, w.GREGORIAN, "-0043-03-15T00:00:00Z"),   # XSD 1.1: 1 BCE = 0
    ("-0001-00-00T00:00:00Z", 9, w.GREGORIAN, "0000-01-01T00:00:00Z"),
    ("+1582-10-05T00:00:00Z", 11, w.JULIAN, "1582-10-15T00:00:00Z"),      # the Gregorian switch
    ("+1700-02-29T00:00:00Z", 11, w.JULIAN, "1700-03-11T00:00:00Z"),      # a Julian-only leap day
    ("+0043-00-00T00:00:00Z", 9, w.JULIAN, "0043-01-01T00:00:00Z"),       # coarse Julian: as is
    ("-13798000000-00-00T00:00:00Z", 3, w.GREGORIAN, "-13797999999-01-01T00:00:00Z"),
])
def test_time_to_rdf_examples(time: str, precision: int, calendar: str, rdf: str) -> None:
    assert w.time_to_rdf(time, precision, calendar) == rdf
    assert w.time_from_rdf(rdf, precision, calendar) == w.canonical_time(time, precision)


def test_canonical_time_zeroes_below_precision() -> None:
    assert w.canonical_time("+1814-01-01T00:00:00Z", 9) == "+1814-00-00T00:00:00Z"
    assert w.canonical_time("+1814-05-17T00:00:00Z", 10) == "+1814-05-00T00:00:00Z"
    assert w.canonical_time("+1814-05-17T00:00:00Z", 11) == "+1814-05-17T00:00:00Z"
    with pytest.raises(ValueError, match="time string"):
        w.canonical_time("1814", 9)


@pytest.mark.parametrize("amount, canonical", [
    ("+0.890", "+0.89"), ("+10", "+10"), ("10.0", "+10"), ("-277.0", "-277"), ("-0", "+0"),
    ("+1.5E3", "+1500"), ("+0.000120", "+0.00012"), ("+13798000000", "+13798000000")])
def test_canonical_amount(amount: str, canonical: str) -> None:
    assert w.canonical_amount(amount) == canonical
    assert w.canonical_amount(w.amount_to_rdf(amount)) == canonical


def test_bad_amounts_are_rejected() -> None:
    for bad in ("", "ten", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            w.canonical_amount(bad)


def test_units_and_entities() -> None:
    assert w.unit_to_rdf("1") == w.WD + "Q199"
    assert w.unit_from_rdf(w.WD + "Q199") == "1"
    assert w.unit_from_rdf(w.unit_to_rdf("Q11573")) == "Q11573"
    assert w.entity_id_of(w.WD + "Q42") == "Q42"
    assert w.entity_id_of(w.WD + "statement/Q42-abc") is None
    assert w.entity_id_of("http://example.org/Q42") is None


def test_sitelink_iris() -> None:
    assert w.article_iri("enwiki", "Douglas Adams") == "https://en.wikipedia.org/wiki/Douglas_Adams"
    assert w.article_iri("enwiki", "AC/DC") == "https://en.wikipedia.org/wiki/AC/DC"
    assert w.article_iri("zhwiki", "数学") == "https://zh.wikipedia.org/wiki/%E6%95%B0%E5%AD%A6"
    assert w.site_iri("be_x_oldwiki") == "https://be-x-old.wikipedia.org/"
    assert w.site_language("simplewiki") == "en"
    with pytest.raises(ValueError, match="Wikipedia site id"):
        w.site_iri("commonswiki")

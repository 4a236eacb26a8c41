"""Rows of the DuckDB KG store -> RDF triples in Wikidata's model (as the Query Service has them).

Per entity: `a wikibase:Item|Property`, `wikibase:statements` (the statement count),
`rdfs:label` / `skos:altLabel` / `schema:description` with the dump's language codes. Per
statement, the full model: `wd:Q p:P wds:S`, `wds:S ps:P value`, `wds:S wikibase:rank ...`; time and
quantity statements also get a value node (`wds:S psv:P wdv:V` with `wikibase:timeValue`,
`timePrecision`, `timeCalendarModel` or `quantityAmount`, `quantityUnit`). The truthy shortcut
`wd:Q wdt:P value` is written only for best-rank statements (preferred if the entity has a preferred
statement for that property, else normal), exactly as WDQS does. Properties get their
`wikibase:claim` / `statementProperty` / `statementValue` / `directClaim` links, which SPARQL
queries use to keep a statement's predicates on one property. Sitelinks become
`<article> schema:about wd:Q ; schema:isPartOf <site> ; schema:name "title"@lang`.

Statement and value nodes get deterministic IRIs (a hash of the statement's content), so exporting
the same store twice gives the same triples.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg2instruction.kg import wikidata_rdf as w

Triple = tuple[URIRef, URIRef, URIRef | Literal]

_TYPE = RDF.type
_LABEL = URIRef(w.RDFS + "label")
_ALT_LABEL = URIRef(w.SKOS + "altLabel")
_DESCRIPTION = URIRef(w.SCHEMA + "description")
_STATEMENTS = URIRef(w.WIKIBASE + "statements")
_RANK = URIRef(w.WIKIBASE + "rank")
_STATEMENT_CLASS = URIRef(w.WIKIBASE + "Statement")
_BEST_RANK = URIRef(w.WIKIBASE + "BestRank")
_TIME_VALUE = URIRef(w.WIKIBASE + "timeValue")
_TIME_PRECISION = URIRef(w.WIKIBASE + "timePrecision")
_TIME_CALENDAR = URIRef(w.WIKIBASE + "timeCalendarModel")
_QUANTITY_AMOUNT = URIRef(w.WIKIBASE + "quantityAmount")
_QUANTITY_UNIT = URIRef(w.WIKIBASE + "quantityUnit")
_ABOUT = URIRef(w.SCHEMA + "about")
_IS_PART_OF = URIRef(w.SCHEMA + "isPartOf")
_NAME = URIRef(w.SCHEMA + "name")
_ARTICLE = URIRef(w.SCHEMA + "Article")
_WIKI_GROUP = URIRef(w.WIKIBASE + "wikiGroup")
_ENTITY_CLASS = {"item": URIRef(w.WIKIBASE + "Item"), "property": URIRef(w.WIKIBASE + "Property")}
_RANKS = {rank: URIRef(iri) for rank, iri in w.RANK_IRIS.items()}


def _wd(entity_id: str) -> URIRef:
    return URIRef(w.WD + entity_id)


def _typed(lexical: str, datatype: URIRef) -> Literal:
    return Literal(lexical, datatype=datatype, normalize=False)


def entity_triples(entity_id: str, kind: str, n_claims: int) -> Iterator[Triple]:
    subject = _wd(entity_id)
    if kind in _ENTITY_CLASS:
        yield subject, _TYPE, _ENTITY_CLASS[kind]
    yield subject, _STATEMENTS, _typed(str(n_claims), XSD.integer)


def term_triples(entity_id: str, lang: str, value: str, kind: str) -> Iterator[Triple]:
    """kind: 'label' | 'alias' | 'description'."""
    predicate = {"label": _LABEL, "alias": _ALT_LABEL, "description": _DESCRIPTION}[kind]
    yield _wd(entity_id), predicate, Literal(value, lang=lang)


def property_triples(pid: str, datatype: str | None) -> Iterator[Triple]:
    subject = _wd(pid)
    if datatype:
        yield subject, URIRef(w.WIKIBASE + "propertyType"), URIRef(w.property_type_iri(datatype))
    yield subject, URIRef(w.WIKIBASE + "claim"), URIRef(w.P + pid)
    yield subject, URIRef(w.WIKIBASE + "statementProperty"), URIRef(w.PS + pid)
    yield subject, URIRef(w.WIKIBASE + "statementValue"), URIRef(w.PSV + pid)
    yield subject, URIRef(w.WIKIBASE + "directClaim"), URIRef(w.WDT + pid)


def _statement(subject_id: str, pid: str, value_key: str, value: URIRef | Literal, rank: str,
               best: bool) -> tuple[URIRef, Iterator[Triple]]:
    digest = hashlib.sha1(f"{pid}\x1f{value_key}".encode()).hexdigest()
    node = URIRef(f"{w.WDS}{subject_id}-{digest}")

    def triples() -> Iterator[Triple]:
        subject = _wd(subject_id)
        yield subject, URIRef(w.P + pid), node
        yield node, _TYPE, _STATEMENT_CLASS
        yield node, URIRef(w.PS + pid), value
        yield node, _RANK, _RANKS[rank]
        if best:
            yield node, _TYPE, _BEST_RANK
            yield subject, URIRef(w.WDT + pid), value

    return node, triples()


def _is_best(rank: str, entity_has_preferred: bool) -> bool:
    return rank == "preferred" or not entity_has_preferred


def item_claim_triples(head: str, pid: str, tail: str, rank: str,
                       has_preferred: bool) -> Iterator[Triple]:
    _, triples = _statement(head, pid, f"item\x1f{tail}", _wd(tail), rank,
                            _is_best(rank, has_preferred))
    yield from triples


def _value_node(statement: URIRef, pid: str, key: str, value_type: str
                ) -> tuple[URIRef, list[Triple]]:
    """The full-value node (psv:) of a statement, named by a hash of the value so equal values
    share one node as in Wikidata's own export."""
    value_node = URIRef(w.WDV + hashlib.md5(key.encode()).hexdigest())
    return value_node, [(statement, URIRef(w.PSV + pid), value_node),
                        (value_node, _TYPE, URIRef(w.WIKIBASE + value_type))]


def time_claim_triples(entity_id: str, pid: str, time: str, precision: int, calendar: str,
                       rank: str, has_preferred: bool) -> Iterator[Triple]:
    """The simple value (ps:/wdt:) and the full value node (psv:) with precision and calendar:
    SPARQL backends read time claims from the value node, as on query.wikidata.org."""
    lexical = _typed(w.time_to_rdf(time, precision, calendar), XSD.dateTime)
    key = f"time\x1f{time}\x1f{precision}\x1f{calendar}"
    node, triples = _statement(entity_id, pid, key, lexical, rank, _is_best(rank, has_preferred))
    yield from triples
    value_node, value_triples = _value_node(node, pid, key, "TimeValue")
    yield from value_triples
    yield value_node, _TIME_VALUE, lexical
    yield value_node, _TIME_PRECISION, _typed(str(precision), XSD.integer)
    yield value_node, _TIME_CALENDAR, _wd(calendar)


def quantity_claim_triples(entity_id: str, pid: str, amount: str, unit: str, rank: str,
                           has_preferred: bool) -> Iterator[Triple]:
    """As `time_claim_triples`: the unit lives only on the full value node."""
    lexical = _typed(w.amount_to_rdf(amount), XSD.decimal)
    key = f"quantity\x1f{amount}\x1f{unit}"
    node, triples = _statement(entity_id, pid, key, lexical, rank, _is_best(rank, has_preferred))
    yield from triples
    value_node, value_triples = _value_node(node, pid, key, "QuantityValue")
    yield from value_triples
    yield value_node, _QUANTITY_AMOUNT, lexical
    yield value_node, _QUANTITY_UNIT, URIRef(w.unit_to_rdf(unit))


def string_claim_triples(entity_id: str, pid: str, value: str, rank: str,
                         has_preferred: bool) -> Iterator[Triple]:
    # URL-typed values are written as plain strings: a dump URL is not guaranteed to be a valid
    # IRI, and one invalid IRI makes the whole file unloadable.
    _, triples = _statement(entity_id, pid, f"string\x1f{value}", Literal(value), rank,
                            _is_best(rank, has_preferred))
    yield from triples


def monolingual_claim_triples(entity_id: str, pid: str, text: str, lang: str, rank: str,
                              has_preferred: bool) -> Iterator[Triple]:
    _, triples = _statement(entity_id, pid, f"monolingual\x1f{lang}\x1f{text}",
                            Literal(text, lang=lang), rank, _is_best(rank, has_preferred))
    yield from triples


def sitelink_triples(wiki: str, title: str, entity_id: str) -> Iterator[Triple]:
    article = URIRef(w.article_iri(wiki, title))
    site = URIRef(w.site_iri(wiki))
    yield article, _TYPE, _ARTICLE
    yield article, _ABOUT, _wd(entity_id)
    yield article, _IS_PART_OF, site
    yield article, _NAME, Literal(title, lang=w.site_language(wiki))
    yield site, _WIKI_GROUP, Literal("wikipedia")

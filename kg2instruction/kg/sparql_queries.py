"""SPARQL query text for the `SparqlKG` backend, built only from validated or escaped pieces.

Names come from Wikipedia text and labels from the KG; either may contain quotes, braces,
backslashes or newlines. A query is therefore never built by pasting raw strings: entity ids must
match `Q123`/`P123` (anything else raises), language tags and site ids are validated, and every
string becomes a SPARQL literal through `string_literal`, which escapes the characters that could
end the literal. A name such as `x" } UNION { ?s ?p ?o } #` then stays one literal value.

Statements are read through the full statement model (p:/ps:/psv: with wikibase:rank), not the
truthy wdt: shortcut, because WDQS writes wdt: only for best-rank statements: a normal-rank claim
next to a preferred one would be invisible there but present in the DuckDB store. Deprecated
statements are filtered out, as the DuckDB build drops them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from kg2instruction.kg.protocol import DEMONYM_PID
from kg2instruction.kg.wikidata_rdf import PREFIXES, entity_iri, is_entity_id

T = TypeVar("T")

PREFIX_BLOCK = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())

_LANG_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
            "\f": "\\f"}
_ESCAPE_PATTERN = re.compile(r'[\\"\n\r\t\b\f]')

# Joins that keep a statement's p: and ps:/psv: predicates on the same property (a qualifier's
# pq: value would otherwise match `?st ?ps ?value`) and drop deprecated statements.
_NOT_DEPRECATED = """  ?st wikibase:rank ?rank .
  FILTER(?rank != wikibase:DeprecatedRank)"""
_STATEMENT = "  ?prop wikibase:claim ?p ; wikibase:statementProperty ?ps .\n" + _NOT_DEPRECATED
# The same for full values (time, quantity): ?e's statement ?st whose value node is ?v.
_STATEMENT_VALUE = ("  ?e ?p ?st . ?st ?psv ?v .\n"
                    "  ?prop wikibase:claim ?p ; wikibase:statementValue ?psv .\n")


def string_literal(text: str, lang: str | None = None) -> str:
    """A SPARQL string literal whose value is exactly `text` (optionally language-tagged)."""
    body = _ESCAPE_PATTERN.sub(lambda m: _ESCAPES[m.group(0)], text)
    return f'"{body}"' + (f"@{lang_tag(lang)}" if lang is not None else "")


def lang_tag(lang: str) -> str:
    if not _LANG_TAG.fullmatch(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    return lang


def entity(entity_id: str) -> str:
    """`<http://www.wikidata.org/entity/Q42>` for a validated id."""
    if not is_entity_id(entity_id):
        raise ValueError(f"not a Wikidata entity id: {entity_id!r} (expected e.g. 'Q42' or 'P31')")
    return f"<{entity_iri(entity_id)}>"


def iri(value: str) -> str:
    if any(ch in value for ch in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not a safe IRI: {value!r}")
    return f"<{value}>"


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items (VALUES blocks stay under endpoint limits)."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _values(var: str, terms: Iterable[str]) -> str:
    return f"  VALUES ?{var} {{ {' '.join(terms)} }}\n"


def _lang_filter(var: str, langs: Sequence[str]) -> str:
    return f"  FILTER(LANG(?{var}) IN ({', '.join(string_literal(lang_tag(x)) for x in langs)}))\n"


def labels_query(qids: Sequence[str], langs: Sequence[str]) -> str:
    """Labels of entities in any of `langs` (a fallback chain is resolved by the caller)."""
    return (PREFIX_BLOCK + "SELECT ?e ?label WHERE {\n" + _values("e", map(entity, qids))
            + "  ?e rdfs:label ?label .\n" + _lang_filter("label", langs) + "}")


def aliases_query(qids: Sequence[str], langs: Sequence[str]) -> str:
    return (PREFIX_BLOCK + "SELECT ?e ?alias WHERE {\n" + _values("e", map(entity, qids))
            + "  ?e skos:altLabel ?alias .\n" + _lang_filter("alias", langs) + "}")


def demonyms_query(qids: Sequence[str], lang: str) -> str:
    """Non-deprecated demonyms (P1549) of entities in `lang`."""
    return (PREFIX_BLOCK + "SELECT ?e ?demonym WHERE {\n" + _values("e", map(entity, qids))
            + f"  ?e p:{DEMONYM_PID} ?st . ?st ps:{DEMONYM_PID} ?demonym .\n" + _NOT_DEPRECATED
            + "\n" + _lang_filter("demonym", [lang]) + "}")


def names_query(surface_forms: Sequence[str], langs: Sequence[str]) -> str:
    """Entities with a label or alias equal to one of the surface forms in one of `langs`.

    Exact literal matches only: that is what a triple store can answer from its index. Both the
    literal and the predicate are bound by VALUES, so each pair is one index lookup (a UNION of
    label and alias patterns makes some engines scan every label first).
    """
    literals = [string_literal(form, lang) for form in surface_forms for lang in langs]
    return (PREFIX_BLOCK + "SELECT ?e ?name ?via WHERE {\n" + _values("name", literals)
            + "  VALUES ?via { rdfs:label skos:altLabel }\n  ?e ?via ?name .\n}")


def item_statements_query(qids: Sequence[str], direction: str) -> str:
    """Item-valued, non-deprecated statements from (forward) or to (reverse) the given entities."""
    if direction == "forward":
        pattern = "  ?e ?p ?st . ?st ?ps ?other .\n"
    elif direction == "reverse":
        pattern = "  ?other ?p ?st . ?st ?ps ?e .\n"
    else:
        raise ValueError(f"direction must be 'forward' or 'reverse', not {direction!r}")
    return (PREFIX_BLOCK + "SELECT ?e ?prop ?other ?rank WHERE {\n" + _values("e", map(entity, qids))
            + pattern + _STATEMENT + "\n"
            + f'  FILTER(isIRI(?other) && STRSTARTS(STR(?other), "{PREFIXES["wd"]}Q"))\n}}')


def _reverse_pattern() -> str:
    """Item-valued, non-deprecated statements of an item ?other whose value is ?e."""
    return ("  ?other ?p ?st . ?st ?ps ?e .\n" + _STATEMENT + "\n"
            + f'  FILTER(isIRI(?other) && STRSTARTS(STR(?other), "{PREFIXES["wd"]}Q"))\n')


def reverse_degree_query(qids: Sequence[str]) -> str:
    """Distinct (property, other) reverse edges per entity, counted server-side: tells a hub
    before any of its edges travel. Entities without reverse edges are absent."""
    return (PREFIX_BLOCK + "SELECT ?e (COUNT(*) AS ?n) WHERE {\n  { SELECT DISTINCT ?e ?prop ?other "
            "WHERE {\n" + _values("e", map(entity, qids)) + _reverse_pattern() + "  } }\n}"
            " GROUP BY ?e")


def capped_reverse_query(qid: str, limit: int) -> str:
    """The first `limit` reverse edges of one entity in capped-lookup order (kg/lookup_config.py):
    other entity's statement count descending, then QID number, then property number. An IRI of
    one namespace sorts by number when ordered by length first (ids have no leading zeros)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit!r}")
    return (PREFIX_BLOCK + "SELECT DISTINCT ?e ?prop ?other ?n WHERE {\n" + _values("e", [entity(qid)])
            + _reverse_pattern()
            + "  OPTIONAL { ?other wikibase:statements ?count }\n  BIND(COALESCE(?count, 0) AS ?n)\n}"
            + "\nORDER BY DESC(?n) STRLEN(STR(?other)) STR(?other) STRLEN(STR(?prop)) STR(?prop)"
            + f"\nLIMIT {int(limit)}")


def claims_between_query(directed_pairs: Sequence[tuple[str, str]]) -> str:
    """Non-deprecated statements head --p--> tail for each (head, tail) pair."""
    rows = " ".join(f"({entity(head)} {entity(tail)})" for head, tail in directed_pairs)
    return (PREFIX_BLOCK + "SELECT ?head ?prop ?tail ?rank WHERE {\n"
            + f"  VALUES (?head ?tail) {{ {rows} }}\n"
            + "  ?head ?p ?st . ?st ?ps ?tail .\n" + _STATEMENT + "\n}")


def time_values_query(qids: Sequence[str]) -> str:
    return (PREFIX_BLOCK + "SELECT ?e ?prop ?time ?precision ?calendar ?rank WHERE {\n"
            + _values("e", map(entity, qids)) + _STATEMENT_VALUE
            + "  ?v wikibase:timeValue ?time ; wikibase:timePrecision ?precision ;\n"
            + "     wikibase:timeCalendarModel ?calendar .\n" + _NOT_DEPRECATED + "\n}")


def quantity_values_query(qids: Sequence[str]) -> str:
    return (PREFIX_BLOCK + "SELECT ?e ?prop ?amount ?unit ?rank WHERE {\n"
            + _values("e", map(entity, qids)) + _STATEMENT_VALUE
            + "  ?v wikibase:quantityAmount ?amount ; wikibase:quantityUnit ?unit .\n"
            + _NOT_DEPRECATED + "\n}")


def class_edges_query(qids: Sequence[str], pid: str) -> str:
    """Non-deprecated `pid` (P31 or P279) targets of the given entities: one hop of the closure."""
    if not (pid.startswith("P") and is_entity_id(pid)):
        raise ValueError(f"not a property id: {pid!r}")
    return (PREFIX_BLOCK + "SELECT ?e ?class WHERE {\n" + _values("e", map(entity, qids))
            + f"  ?e p:{pid} ?st . ?st ps:{pid} ?class ; wikibase:rank ?rank .\n"
            + "  FILTER(?rank != wikibase:DeprecatedRank)\n}")


def sitelinks_query(site: str, titles: Sequence[str], lang: str) -> str:
    """Entities whose article on `site` (e.g. https://en.wikipedia.org/) has one of the titles."""
    return (PREFIX_BLOCK + "SELECT ?title ?e WHERE {\n"
            + _values("title", (string_literal(t, lang) for t in titles))
            + f"  ?article schema:name ?title ; schema:isPartOf {iri(site)} ; schema:about ?e .\n}}")


def statement_counts_query(qids: Sequence[str]) -> str:
    return (PREFIX_BLOCK + "SELECT ?e ?n WHERE {\n" + _values("e", map(entity, qids))
            + "  ?e wikibase:statements ?n .\n}")

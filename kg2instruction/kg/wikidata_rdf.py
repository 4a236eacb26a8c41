"""Wikidata's RDF model: namespaces, and the mapping of dump values to and from RDF literals.

The RDF export and the SPARQL backend must agree on this mapping exactly, or the two KG backends
stop giving the same answers; so it lives in one place. The mapping follows what the Wikidata
Query Service serves (mediawiki.org "Wikibase/Indexing/RDF Dump Format"):

* time values become xsd:dateTime in XSD 1.1 year numbering (1 BCE is year 0, so Gregorian BCE
  years shift by one), month/day "00" (precision coarser than a day) become "01", and Julian-calendar
  dates of day precision are converted to the Gregorian calendar; `wikibase:timePrecision` and
  `wikibase:timeCalendarModel` keep what is needed to invert this;
* quantity amounts become xsd:decimal (the dump's leading "+" dropped); a dimensionless unit "1"
  becomes wd:Q199.

Stores canonicalise typed literals differently (Oxigraph prints "0.890"^^xsd:decimal as "0.89"), and
a year-precision date may be written "+1814-00-00" or "+1814-01-01" in the dump; so values read
back are returned in one canonical Wikidata-JSON form (`canonical_time`, `canonical_amount`) that
is independent of the endpoint. Two values are the same claim iff their canonical forms are equal.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PSV = "http://www.wikidata.org/prop/statement/value/"
WDS = "http://www.wikidata.org/entity/statement/"
WDV = "http://www.wikidata.org/value/"
WIKIBASE = "http://wikiba.se/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = {"wd": WD, "wdt": WDT, "p": P, "ps": PS, "psv": PSV, "wds": WDS, "wdv": WDV,
            "wikibase": WIKIBASE, "rdfs": RDFS, "skos": SKOS, "schema": SCHEMA, "xsd": XSD}

GREGORIAN = "Q1985727"
JULIAN = "Q1985786"
DIMENSIONLESS_UNIT = "1"
DIMENSIONLESS_UNIT_QID = "Q199"  # WDQS writes unit "1" as wd:Q199 ("1", the number one)
DAY_PRECISION = 11

RANK_IRIS = {"preferred": WIKIBASE + "PreferredRank", "normal": WIKIBASE + "NormalRank",
             "deprecated": WIKIBASE + "DeprecatedRank"}
RANK_BY_IRI = {iri: rank for rank, iri in RANK_IRIS.items()}

# wikibase:propertyType of the datatypes a dump declares (the rest fall back to CamelCase).
PROPERTY_TYPES = {"wikibase-item": "WikibaseItem", "wikibase-property": "WikibaseProperty",
                  "external-id": "ExternalId", "globe-coordinate": "GlobeCoordinate",
                  "commonsMedia": "CommonsMedia", "monolingualtext": "Monolingualtext",
                  "string": "String", "time": "Time", "quantity": "Quantity", "url": "Url",
                  "math": "Math", "musical-notation": "MusicalNotation",
                  "tabular-data": "TabularData", "geo-shape": "GeoShape",
                  "wikibase-lexeme": "WikibaseLexeme", "wikibase-form": "WikibaseForm",
                  "wikibase-sense": "WikibaseSense", "entity-schema": "EntitySchema"}

_TIME = re.compile(r"([+-])(\d{1,16})-(\d{2})-(\d{2})(T.*)")
_RDF_TIME = re.compile(r"(-?)(\d{4,16})-(\d{2})-(\d{2})(T.*)")
_ENTITY_ID = re.compile(r"[QP][1-9][0-9]*")


def entity_iri(entity_id: str) -> str:
    return WD + entity_id


def entity_id_of(iri: str) -> str | None:
    """`Q42` from `http://www.wikidata.org/entity/Q42`; None for anything that is not an item/property."""
    if not iri.startswith(WD):
        return None
    local = iri[len(WD):]
    return local if _ENTITY_ID.fullmatch(local) else None


def is_entity_id(value: str) -> bool:
    return bool(_ENTITY_ID.fullmatch(value))


def property_type_iri(datatype: str) -> str:
    camel = PROPERTY_TYPES.get(datatype) or "".join(p[:1].upper() + p[1:]
                                                    for p in re.split(r"[-_]", datatype))
    return WIKIBASE + camel


# --- sitelinks ------------------------------------------------------------------------------
# WDQS: <https://en.wikipedia.org/wiki/Douglas_Adams> schema:about wd:Q42 ;
#       schema:isPartOf <https://en.wikipedia.org/> ; schema:name "Douglas Adams"@en .
_SITE_LANGUAGE_EXCEPTIONS = {"simple": "en", "be_x_old": "be-tarask", "zh_min_nan": "nan",
                             "zh_yue": "yue", "zh_classical": "lzh"}
_WIKI = re.compile(r"([a-z][a-z0-9_]*)wiki")


def _wiki_code(wiki: str) -> str:
    match = _WIKI.fullmatch(wiki)
    if not match or wiki in ("commonswiki", "wikidatawiki", "specieswiki", "metawiki"):
        raise ValueError(f"not a Wikipedia site id: {wiki!r} (expected e.g. 'enwiki', 'zhwiki')")
    return match.group(1)


def site_iri(wiki: str) -> str:
    """`https://en.wikipedia.org/` for 'enwiki' (underscores become hyphens: be_x_old -> be-x-old)."""
    return f"https://{_wiki_code(wiki).replace('_', '-')}.wikipedia.org/"


def site_language(wiki: str) -> str:
    """Language tag WDQS gives a sitelink's schema:name on this wiki."""
    code = _wiki_code(wiki)
    return _SITE_LANGUAGE_EXCEPTIONS.get(code, code.replace("_", "-"))


def article_iri(wiki: str, title: str) -> str:
    """The article's URL as WDQS writes it: spaces as underscores, MediaWiki's URL encoding."""
    return site_iri(wiki) + "wiki/" + quote(title.replace(" ", "_"), safe=";:@$!*(),/~")


# --- time -----------------------------------------------------------------------------------
def time_to_rdf(time: str, precision: int, calendar: str) -> str:
    """Dump time string -> the xsd:dateTime lexical form WDQS serves for it."""
    sign, year, month, day, rest = _split_time(time)
    month, day = month or 1, day or 1
    if calendar == JULIAN and precision >= DAY_PRECISION:
        year, month, day = _jdn_to_gregorian(_julian_to_jdn(_astronomical(sign, year), month, day))
    elif calendar == GREGORIAN:
        year = _astronomical(sign, year)
    else:  # other calendars (and coarse Julian dates) pass through unshifted, as on WDQS
        year = -year if sign == "-" else year
    return f"{'-' if year < 0 else ''}{abs(year):04d}-{month:02d}-{day:02d}{rest}"


def time_from_rdf(lexical: str, precision: int, calendar: str) -> str:
    """xsd:dateTime lexical form from an endpoint -> `canonical_time` of the dump value."""
    match = _RDF_TIME.fullmatch(lexical)
    if not match:
        raise ValueError(f"not an xsd:dateTime: {lexical!r}")
    neg, year_text, month_text, day_text, rest = match.groups()
    year, month, day = int(year_text) * (-1 if neg else 1), int(month_text), int(day_text)
    if calendar == JULIAN and precision >= DAY_PRECISION:
        year, month, day = _jdn_to_julian(_gregorian_to_jdn(year, month or 1, day or 1))
        year = _historical(year)
    elif calendar == GREGORIAN:
        year = _historical(year)
    sign = "-" if year < 0 else "+"
    return canonical_time(f"{sign}{abs(year):04d}-{month:02d}-{day:02d}{rest}", precision)


def canonical_time(time: str, precision: int) -> str:
    """Dump time string with the fields finer than `precision` zeroed (month below 10, day below 11).

    "+1814-01-01T00:00:00Z" and "+1814-00-00T00:00:00Z" at year precision both mean 1814.
    """
    sign, year, month, day, rest = _split_time(time)
    if precision < 10:
        month = 0
    if precision < DAY_PRECISION:
        day = 0
    return f"{sign}{year:04d}-{month:02d}-{day:02d}{rest}"


def _split_time(time: str) -> tuple[str, int, int, int, str]:
    match = _TIME.fullmatch(time)
    if not match:
        raise ValueError(f"not a Wikidata time string: {time!r} (expected e.g. +2009-12-04T00:00:00Z)")
    sign, year, month, day, rest = match.groups()
    return sign, int(year), int(month), int(day), rest


def _astronomical(sign: str, year: int) -> int:
    """Historical BCE year (no year 0: -1 is 1 BCE) -> XSD 1.1 / astronomical year (0 is 1 BCE)."""
    return -year + 1 if sign == "-" else year


def _historical(astronomical_year: int) -> int:
    return astronomical_year - 1 if astronomical_year <= 0 else astronomical_year


def _julian_to_jdn(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - 32083


def _gregorian_to_jdn(year: int, month: int, day: int) -> int:
    a = (14 - month) // 12
    y, m = year + 4800 - a, month + 12 * a - 3
    return day + (153 * m + 2) // 5 + 365 * y + y // 4 - y // 100 + y // 400 - 32045


def _jdn_to_gregorian(jdn: int) -> tuple[int, int, int]:
    a = jdn + 32044
    b = (4 * a + 3) // 146097
    c = a - 146097 * b // 4
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return 100 * b + d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


def _jdn_to_julian(jdn: int) -> tuple[int, int, int]:
    c = jdn + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return d - 4800 + m // 10, m + 3 - 12 * (m // 10), e - (153 * m + 2) // 5 + 1


# --- quantities -----------------------------------------------------------------------------
def amount_to_rdf(amount: str) -> str:
    """Dump amount ('+1.96') -> xsd:decimal lexical form ('1.96')."""
    return amount[1:] if amount.startswith("+") else amount


def canonical_amount(amount: str) -> str:
    """Signed plain decimal without redundant zeros: '+0.890' -> '+0.89', '10' -> '+10', '-0' -> '+0'."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"not a decimal amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite decimal amount: {amount!r}")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "0"):
        return "+0"
    return text if text.startswith("-") else "+" + text


def unit_to_rdf(unit: str) -> str:
    return entity_iri(DIMENSIONLESS_UNIT_QID if unit == DIMENSIONLESS_UNIT else unit)


def unit_from_rdf(iri: str) -> str:
    unit = entity_id_of(iri) or iri
    return DIMENSIONLESS_UNIT if unit == DIMENSIONLESS_UNIT_QID else unit

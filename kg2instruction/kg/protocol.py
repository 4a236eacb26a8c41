"""The one knowledge-graph interface every stage talks to.

Two backends implement it (`DuckDBKG`, embedded, built from a dump; `SparqlKG`, any SPARQL endpoint
in Wikidata's RDF model). Calls are batched because per-entity round trips dominate run time on
both backends. Backends must return identical answers on the same data (tests compare them), so
every list result is sorted deterministically as documented per method.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Direction = Literal["forward", "reverse"]


@dataclass(frozen=True, order=True)
class Candidate:
    """An entity whose label or alias matches a normalised name."""

    qid: str
    matched: str          # the label/alias string that matched (original form)
    via: Literal["label", "alias"]
    n_claims: int         # popularity proxy used to break disambiguation ties


@dataclass(frozen=True, order=True)
class Neighbour:
    """A KG neighbour of an entity, with its label, for tail-label overlap scoring."""

    qid: str              # the neighbour
    pid: str
    direction: Direction  # forward: (entity, pid, neighbour); reverse: (neighbour, pid, entity)
    label: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, order=True)
class Claim:
    """An item-valued statement head --pid--> tail (deprecated rank never appears)."""

    head: str
    pid: str
    tail: str
    rank: Literal["preferred", "normal"] = "normal"


@dataclass(frozen=True, order=True)
class TimeValue:
    """A time-valued statement: Wikidata's time string with precision (9=year, 10=month, 11=day)."""

    qid: str
    pid: str
    time: str             # e.g. "+2009-12-04T00:00:00Z", "-0044-03-15T00:00:00Z"
    precision: int
    calendar: str         # QID of the calendar model, e.g. "Q1985727" (proleptic Gregorian)
    rank: Literal["preferred", "normal"] = "normal"


DEMONYM_PID = "P1549"   # what a country's people and things are called ("Belgian")


@dataclass(frozen=True, order=True)
class QuantityValue:
    """A quantity-valued statement: decimal amount as a string (lossless) and unit QID or '1'."""

    qid: str
    pid: str
    amount: str
    unit: str
    rank: Literal["preferred", "normal"] = "normal"


@runtime_checkable
class KnowledgeGraph(Protocol):
    """Batched read-only queries over a Wikidata-shaped knowledge graph."""

    def labels(self, qids: Sequence[str], lang: str) -> dict[str, str]:
        """Label per QID in `lang` (Chinese uses the zh fallback chain); QIDs without one are absent."""

    def aliases(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        """Sorted aliases per QID in `lang`; QIDs without aliases are absent."""

    def demonyms(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        """Sorted demonyms (P1549, non-deprecated) per QID in `lang` ("Belgian" for Belgium);
        QIDs without one are absent."""

    def candidates(self, names: Sequence[str], lang: str) -> dict[str, list[Candidate]]:
        """Entities whose label/alias equals each name after `normalize_name`.

        Keyed by the name as given; each list sorted by (-n_claims, qid-number)."""

    def neighbours(self, qids: Sequence[str], lang: str) -> dict[str, list[Neighbour]]:
        """Item-valued neighbours (both directions) with their labels in `lang`, sorted."""

    def claims_between(self, pairs: Sequence[tuple[str, str]]) -> list[Claim]:
        """Every item-valued claim between each pair, in either direction, sorted, deduplicated."""

    def time_values(self, qids: Sequence[str]) -> list[TimeValue]:
        """Time-valued claims of the given entities, sorted."""

    def quantity_values(self, qids: Sequence[str]) -> list[QuantityValue]:
        """Quantity-valued claims of the given entities, sorted."""

    def types(self, qids: Sequence[str], roots: Mapping[str, Sequence[str]],
              max_depth: int = 8) -> dict[str, list[str]]:
        """Categories (keys of `roots`) reached from each QID by P31 then P279* (cycle-safe,
        at most `max_depth` P279 hops). Sorted category names; QIDs reaching none are absent."""

    def sitelinks(self, titles: Sequence[str], wiki: str) -> dict[str, str]:
        """Page title on `wiki` (e.g. "enwiki") -> QID, for titles that have a sitelink."""

    def n_claims(self, qids: Sequence[str]) -> dict[str, int]:
        """Number of statements per QID (0 when unknown)."""

    def reverse_degrees(self, qids: Sequence[str]) -> dict[str, int]:
        """Number of item-valued statements whose value is each QID (0 when none): how much of
        the graph points at an entity, the KG's stand-in for how often it is written about."""


def qid_number(qid: str) -> int:
    """Numeric part of an entity id, for deterministic 'lower QID first' ordering."""
    digits = qid[1:] if qid[:1] in "QPL" else qid
    return int(digits) if digits.isdigit() else 1 << 62

"""The slice of a Wikidata dump the relation-verification pairs need: labels and item claims.

Negatives are "another KG fact of the subject", so the builder needs each entity's item-valued
claims and the labels that show whether a claim's object is mentioned in a sentence. Reading the
dump once into these two dicts is seconds for the bundled 225k-entity sample and avoids depending
on a built DuckDB store for a training script.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg2instruction.sources.wikidata_dump import WikidataDumpReader


@dataclass
class KgFacts:
    """labels[qid][lang] -> label; claims[qid] -> [(pid, object qid)] (item values only)."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    claims: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def label(self, qid: str, lang: str) -> str | None:
        return self.labels.get(qid, {}).get(lang)

    def object_pids(self, obj: str) -> frozenset[str]:
        """P-ids under which `obj` is the object of some claim: relations that fit its type."""
        if not hasattr(self, "_object_pids"):
            index: dict[str, set[str]] = {}
            for claims in self.claims.values():
                for pid, value in claims:
                    index.setdefault(value, set()).add(pid)
            self._object_pids = {qid: frozenset(pids) for qid, pids in index.items()}
        return self._object_pids.get(obj, frozenset())

    def pids_between(self, subject: str, obj: str) -> set[str]:
        """P-ids of the claims (subject, P, obj)."""
        return {pid for pid, value in self.claims.get(subject, ()) if value == obj}


def _item_values(statements: list[dict]) -> Iterable[str]:
    for statement in statements:
        snak = statement.get("mainsnak") or {}
        value = (snak.get("datavalue") or {}).get("value")
        if snak.get("snaktype") == "value" and isinstance(value, dict) and "id" in value \
                and str(value["id"]).startswith("Q"):
            yield value["id"]


def read_kg_facts(dump: str | Path, langs: Iterable[str] = ("en", "zh")) -> KgFacts:
    """Labels in `langs` and item-valued claims of every entity in a Wikidata JSON dump."""
    langs = tuple(langs)
    facts = KgFacts()
    for entity in WikidataDumpReader(dump):
        qid = entity.get("id")
        if not qid:
            continue
        labels = entity.get("labels") or {}
        facts.labels[qid] = {lang: labels[lang]["value"] for lang in langs if lang in labels}
        claims = [(pid, obj) for pid, statements in (entity.get("claims") or {}).items()
                  for obj in _item_values(statements)]
        if claims:
            facts.claims[qid] = claims
    return facts

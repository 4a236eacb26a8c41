"""Flatten Wikidata entity dicts into column lists, one set per store table, flushed as Arrow.

This is the hot loop of the build (one call per entity of a 100-million-entity dump), so rows are
appended to plain Python lists per column and only turned into Arrow tables once per batch; the
per-entity work touches only the configured languages and wikis instead of walking every label.

Rules applied here (documented in schema.sql): deprecated statements are dropped; a value repeated
in several statements of one entity and property is one row with the best rank; qualifiers and
references are ignored; somevalue/novalue snaks count towards n_claims but store no value.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from kg2instruction.kg.build_config import KGBuildConfig
from kg2instruction.text.normalize import normalize_name

_S = pa.string()
# Columns of each table filled during the scan (derived tables are made in SQL afterwards).
STAGED_SCHEMAS: dict[str, pa.Schema] = {
    "entities": pa.schema([("id", _S), ("kind", _S), ("n_claims", pa.int32())]),
    "labels": pa.schema([("id", _S), ("lang", _S), ("value", _S)]),
    "descriptions": pa.schema([("id", _S), ("lang", _S), ("value", _S)]),
    "aliases": pa.schema([("id", _S), ("lang", _S), ("value", _S)]),
    "name_index": pa.schema([("norm", _S), ("lang", _S), ("id", _S), ("via", _S), ("value", _S)]),
    "claims": pa.schema([("head", _S), ("pid", _S), ("tail", _S), ("rank", _S)]),
    "time_values": pa.schema([("id", _S), ("pid", _S), ("time", _S), ("precision", pa.int32()),
                              ("calendar", _S), ("rank", _S)]),
    "quantity_values": pa.schema([("id", _S), ("pid", _S), ("amount", _S), ("unit", _S),
                                  ("rank", _S)]),
    "string_values": pa.schema([("id", _S), ("pid", _S), ("value", _S), ("rank", _S)]),
    "monolingual_values": pa.schema([("id", _S), ("pid", _S), ("text", _S), ("lang", _S),
                                     ("rank", _S)]),
    "sitelinks": pa.schema([("wiki", _S), ("title", _S), ("id", _S)]),
    "properties": pa.schema([("pid", _S), ("datatype", _S), ("source", _S)]),
}
STORED_KINDS = ("item", "property")
_ENTITY_URI = "http://www.wikidata.org/entity/"


def _as_dict(value: Any) -> dict:
    """Dumps serialise an empty map as `[]` (PHP); treat that, and absence, as {}."""
    return value if isinstance(value, dict) else {}


def _entity_ref(uri_or_id: str) -> str:
    """'http://www.wikidata.org/entity/Q11573' -> 'Q11573'; '1' stays '1'."""
    return uri_or_id.rsplit("/", 1)[-1] if uri_or_id.startswith("http") else uri_or_id


def _kept_codes(terms: dict, variants: dict) -> list[str]:
    """Language codes of `terms` that are kept: walk whichever of the two maps is smaller (most
    sample entities have one or two labels; full-dump entities have hundreds)."""
    if len(terms) < len(variants):
        return [code for code in terms if code in variants]
    return [code for code in variants if code in terms]


class _Columns:
    """Per-table column lists with a rollback mark, so a malformed entity leaves no partial rows."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, list]] = {
            table: {name: [] for name in schema.names} for table, schema in STAGED_SCHEMAS.items()}
        # The first column of each table, in table order: its length is the table's row count.
        self._first_columns = [next(iter(cols.values())) for cols in self.data.values()]

    def mark(self) -> tuple[int, ...]:
        """Row count per table (called once per entity, hence the C-level map)."""
        return tuple(map(len, self._first_columns))

    def rollback(self, mark: tuple[int, ...]) -> None:
        for cols, n_rows in zip(self.data.values(), mark):
            for column in cols.values():
                del column[n_rows:]

    def n_rows(self) -> int:
        return sum(map(len, self._first_columns))

    def take(self) -> dict[str, pa.Table]:
        tables = {table: pa.table(cols, schema=STAGED_SCHEMAS[table])
                  for table, cols in self.data.items() if next(iter(cols.values()))}
        for cols in self.data.values():
            for column in cols.values():
                column.clear()
        return tables


class EntityFlattener:
    """Turns entity dicts into rows; `take_tables()` hands over the batch as Arrow tables."""

    def __init__(self, config: KGBuildConfig,
                 normalize: Callable[[str, str], str] = normalize_name) -> None:
        self.config = config
        # Chinese variants mostly repeat one label (zh, zh-cn, zh-hans, ...): cache the
        # normalisation, whose simplified-script conversion is the costly part.
        self._normalize = functools.lru_cache(maxsize=1 << 16)(normalize)
        self._variants = config.variant_languages()        # raw code -> configured languages
        self._wikis = tuple(config.sitelink_wikis)
        self._string_datatypes = frozenset(config.string_datatypes)
        self._cols = _Columns()
        # Value tables by key tag: (columns before `rank`, the rank column), bound once.
        self._value_columns: dict[str, tuple[list[list], list]] = {}
        for tag, table in (("c", "claims"), ("t", "time_values"), ("q", "quantity_values"),
                           ("m", "monolingual_values"), ("s", "string_values")):
            columns = self._cols.data[table]
            self._value_columns[tag] = ([columns[name] for name in columns if name != "rank"],
                                        columns["rank"])
        self.snak_datatypes: dict[str, str] = {}            # pid -> datatype seen on statements
        self.skipped_kinds: dict[str, int] = {}             # e.g. {"lexeme": 3}
        self.rows_flattened = 0

    def add(self, entity: dict) -> bool:
        """Append the entity's rows; False when its kind is not stored (e.g. a lexeme).

        Raises KeyError/TypeError/ValueError/AttributeError on a malformed entity, after removing
        any rows it had already appended."""
        kind = entity["type"]
        if kind not in STORED_KINDS:
            self.skipped_kinds[kind] = self.skipped_kinds.get(kind, 0) + 1
            return False
        mark = self._cols.mark()
        try:
            self._add(entity, kind)
        except Exception:
            self._cols.rollback(mark)
            raise
        self.rows_flattened += 1
        return True

    def pending_rows(self) -> int:
        """Rows buffered since the last `take_tables()`, over all tables."""
        return self._cols.n_rows()

    def take_tables(self) -> dict[str, pa.Table]:
        return self._cols.take()

    # -- per-entity work -------------------------------------------------------------------------

    def _add(self, entity: dict, kind: str) -> None:
        qid = entity["id"]
        data = self._cols.data
        self._add_terms(qid, entity)
        n_claims = self._add_statements(qid, _as_dict(entity.get("claims")))
        ent = data["entities"]
        ent["id"].append(qid)
        ent["kind"].append(kind)
        ent["n_claims"].append(n_claims)
        if kind == "property" and isinstance(entity.get("datatype"), str):
            props = data["properties"]
            props["pid"].append(qid)
            props["datatype"].append(entity["datatype"])
            props["source"].append("entity")
        sitelinks = _as_dict(entity.get("sitelinks"))
        if sitelinks:
            links = data["sitelinks"]
            for wiki in self._wikis:
                link = sitelinks.get(wiki)
                if link:
                    links["wiki"].append(wiki)
                    links["title"].append(link["title"])
                    links["id"].append(qid)

    def _add_terms(self, qid: str, entity: dict) -> None:
        data = self._cols.data
        labels = _as_dict(entity.get("labels"))
        descriptions = _as_dict(entity.get("descriptions"))
        aliases = _as_dict(entity.get("aliases"))
        lab, desc, ali, index = data["labels"], data["descriptions"], data["aliases"], data["name_index"]
        normalize, variants = self._normalize, self._variants
        for variant in _kept_codes(labels, variants):
            value = labels[variant]["value"]
            lab["id"].append(qid)
            lab["lang"].append(variant)
            lab["value"].append(value)
            for lang in variants[variant]:
                self._index(index, normalize(value, lang), lang, qid, "label", value)
        for variant in _kept_codes(descriptions, variants):
            desc["id"].append(qid)
            desc["lang"].append(variant)
            desc["value"].append(descriptions[variant]["value"])
        for variant in _kept_codes(aliases, variants):
            for alias in aliases[variant] or ():
                value = alias["value"]
                ali["id"].append(qid)
                ali["lang"].append(variant)
                ali["value"].append(value)
                for lang in variants[variant]:
                    self._index(index, normalize(value, lang), lang, qid, "alias", value)

    @staticmethod
    def _index(index: dict[str, list], norm: str, lang: str, qid: str, via: str, value: str) -> None:
        if not norm:
            return
        index["norm"].append(norm)
        index["lang"].append(lang)
        index["id"].append(qid)
        index["via"].append(via)
        index["value"].append(value)

    def _add_statements(self, qid: str, claims: dict) -> int:
        """Store value rows; return the number of statements (all ranks, all snak types)."""
        n_statements = 0
        seen: dict[tuple, tuple[list, int]] = {}   # value key -> (rank column, row index)
        datatypes = self.snak_datatypes
        for pid, statements in claims.items():
            n_statements += len(statements)
            for statement in statements:
                snak = statement["mainsnak"]
                if pid not in datatypes and snak.get("datatype"):
                    datatypes[pid] = snak["datatype"]
                rank = statement.get("rank", "normal")
                if rank == "deprecated" or snak.get("snaktype") != "value":
                    continue
                self._add_value(qid, pid, snak.get("datatype"), snak["datavalue"], rank, seen)
        return n_statements

    def _add_value(self, qid: str, pid: str, datatype: str | None, datavalue: dict, rank: str,
                   seen: dict[tuple, tuple[list, int]]) -> None:
        """One row per distinct value of (entity, property); a repeat can only raise the rank."""
        vtype = datavalue["type"]
        value = datavalue["value"]
        if vtype == "wikibase-entityid":
            if value.get("entity-type", "item") != "item":
                return
            tail = value.get("id") or f"Q{value['numeric-id']}"
            key: tuple = ("c", pid, tail)
            cells: tuple = (qid, pid, tail)
        elif vtype == "time":
            time, precision = value["time"], int(value["precision"])
            calendar = _entity_ref(value.get("calendarmodel", "Q1985727"))
            key = ("t", pid, time, precision, calendar)
            cells = (qid, pid, time, precision, calendar)
        elif vtype == "quantity":
            amount, unit = str(value["amount"]), _entity_ref(str(value.get("unit", "1")))
            key = ("q", pid, amount, unit)
            cells = (qid, pid, amount, unit)
        elif vtype == "monolingualtext":
            key = ("m", pid, value["text"], value["language"])
            cells = (qid, pid, value["text"], value["language"])
        elif vtype == "string" and datatype in self._string_datatypes:
            key = ("s", pid, value)
            cells = (qid, pid, value)
        else:
            return
        previous = seen.get(key)
        if previous is not None:
            if rank == "preferred":
                ranks, index = previous
                ranks[index] = "preferred"
            return
        value_columns, ranks = self._value_columns[key[0]]
        for column, cell in zip(value_columns, cells):
            column.append(cell)
        seen[key] = (ranks, len(ranks))
        ranks.append(rank)

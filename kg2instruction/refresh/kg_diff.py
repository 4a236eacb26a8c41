"""The difference between two KG versions, computed in SQL over both DuckDB files (ATTACH).

Result tables, written to a small DuckDB file of their own (atomically, so a refresh resumes
without recomputing them):

    claim_changes(change, head, pid, tail, rank)        change: added | removed
    value_changes(change, id, pid, kind, value)         time/quantity/string/monolingual values
    name_changes(change, kind, id, lang, value)         kind: label | alias | description
    index_changes(change, norm, lang, id)               the candidate-lookup index (name_index)
    touched(id, why)                                    entities whose own data changed
    affected(id)                                        touched + what reads them (see below)
    summary(key, value)

`affected` is deliberately wider than `touched`, because the annotation stages read more than an
entity's own record: disambiguation scores a candidate by its neighbours' labels (so a label change
touches every entity linked to it, both directions), and typing follows P31/P279 upward (so a
changed P279 claim touches every subclass and instance below it, in either version). A change to
the property table or the language fallbacks affects everything (`summary.everything = 1`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from kg2instruction.atomic import atomic_path
from kg2instruction.storage.sql_literal import sql_path

TYPE_PIDS = ("P31", "P279")
_VALUE_TABLES = {   # table -> SQL rendering its value as one string
    "time_values": "time || '/' || precision || '/' || calendar",
    "quantity_values": "amount || ' ' || unit",
    "string_values": "value",
    "monolingual_values": "lang || ':' || text",
}
_NAME_TABLES = {"labels": "label", "aliases": "alias", "descriptions": "description"}
_WHOLE_TABLES = ("properties", "lang_fallback")


@dataclass(frozen=True)
class DiffSummary:
    claims_added: int
    claims_removed: int
    values_added: int
    values_removed: int
    labels_added: int
    labels_removed: int
    labels_changed: int
    aliases_added: int
    aliases_removed: int
    touched_entities: int
    affected_entities: int
    everything: bool

    def as_dict(self) -> dict[str, int | bool]:
        return dict(self.__dict__)


def diff_kgs(old_db: Path, new_db: Path, out: Path) -> DiffSummary:
    """Write the diff of two KG stores to `out` (replaced atomically) and summarise it."""
    with atomic_path(out) as tmp:
        tmp.unlink()
        con = duckdb.connect(str(tmp))
        try:
            con.execute(f"ATTACH {sql_path(old_db)} AS a (READ_ONLY)")
            con.execute(f"ATTACH {sql_path(new_db)} AS b (READ_ONLY)")
            _changes(con)
            _touched(con)
            _affected(con)
            summary = _summary(con)
            con.execute("CREATE TABLE summary AS SELECT * FROM (VALUES "
                        + ", ".join(f"('{k}', {int(v)})" for k, v in summary.as_dict().items())
                        + ") t(key, value)")
            con.execute("DETACH a")
            con.execute("DETACH b")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return summary


def read_summary(diff_db: Path) -> DiffSummary:
    with duckdb.connect(str(diff_db), read_only=True) as con:
        rows = dict(con.execute("SELECT key, value FROM summary").fetchall())
    return DiffSummary(**{k: (bool(v) if k == "everything" else int(v)) for k, v in rows.items()})


def _both_ways(select_a: str, select_b: str) -> str:
    return (f"SELECT 'added' AS change, * FROM ({select_b} EXCEPT {select_a}) "
            f"UNION ALL SELECT 'removed' AS change, * FROM ({select_a} EXCEPT {select_b})")


def _changes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE claim_changes AS " + _both_ways(
        "SELECT head, pid, tail, rank FROM a.claims", "SELECT head, pid, tail, rank FROM b.claims"))
    values = " UNION ALL ".join(
        _both_ways(f"SELECT id, pid, '{table}' AS kind, {expr} AS value, rank FROM a.{table}",
                   f"SELECT id, pid, '{table}' AS kind, {expr} AS value, rank FROM b.{table}")
        for table, expr in _VALUE_TABLES.items())
    con.execute(f"CREATE TABLE value_changes AS {values}")
    names = " UNION ALL ".join(
        f"SELECT change, '{kind}' AS kind, id, lang, value FROM ("
        + _both_ways(f"SELECT id, lang, value FROM a.{table}",
                     f"SELECT id, lang, value FROM b.{table}")
        + ")" for table, kind in _NAME_TABLES.items())
    con.execute(f"CREATE TABLE name_changes AS {names}")
    con.execute("CREATE TABLE index_changes AS " + _both_ways(
        "SELECT norm, lang, id FROM a.name_index", "SELECT norm, lang, id FROM b.name_index"))
    con.execute("CREATE TABLE entity_changes AS " + _both_ways(
        "SELECT id, kind FROM a.entities", "SELECT id, kind FROM b.entities"))
    con.execute("CREATE TABLE sitelink_changes AS " + _both_ways(
        "SELECT wiki, title, id FROM a.sitelinks", "SELECT wiki, title, id FROM b.sitelinks"))
    whole = " OR ".join(
        f"EXISTS ({_both_ways(f'SELECT * FROM a.{t}', f'SELECT * FROM b.{t}')})"
        for t in _WHOLE_TABLES)
    con.execute(f"CREATE TABLE whole_changes AS SELECT ({whole}) AS changed")


def _touched(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE touched AS
        SELECT DISTINCT id, why FROM (
            SELECT head AS id, 'claim' AS why FROM claim_changes
            UNION ALL SELECT tail, 'claim' FROM claim_changes
            UNION ALL SELECT id, 'value' FROM value_changes
            UNION ALL SELECT id, 'name' FROM name_changes
            UNION ALL SELECT id, 'name' FROM index_changes
            UNION ALL SELECT id, 'entity' FROM entity_changes
            UNION ALL SELECT id, 'sitelink' FROM sitelink_changes)
        ORDER BY ALL""")


def _affected(con: duckdb.DuckDBPyConnection) -> None:
    pids = ", ".join(f"'{p}'" for p in TYPE_PIDS)
    con.execute(f"""
        CREATE TEMP TABLE both_claims AS
            SELECT head, pid, tail FROM a.claims UNION SELECT head, pid, tail FROM b.claims""")
    con.execute(f"""
        CREATE TABLE affected AS
        WITH RECURSIVE below(id) AS (
            SELECT head FROM claim_changes WHERE pid = 'P279'
            UNION
            SELECT c.head FROM both_claims c JOIN below ON c.tail = below.id
            WHERE c.pid IN ({pids})),
        renamed AS (SELECT id FROM touched WHERE why = 'name')
        SELECT DISTINCT id FROM (
            SELECT id FROM touched
            UNION ALL SELECT id FROM below
            UNION ALL SELECT c.head FROM both_claims c JOIN renamed r ON c.tail = r.id
            UNION ALL SELECT c.tail FROM both_claims c JOIN renamed r ON c.head = r.id)
        ORDER BY id""")


def _summary(con: duckdb.DuckDBPyConnection) -> DiffSummary:
    def scalar(sql: str) -> int:
        return int(con.execute(sql).fetchone()[0])

    def count(table: str, change: str, extra: str = "") -> int:
        return scalar(f"SELECT count(*) FROM {table} WHERE change = '{change}' {extra}")

    label_keys = ("SELECT id, lang FROM name_changes WHERE kind = 'label' AND change = '{}'")
    changed = scalar(f"SELECT count(*) FROM ({label_keys.format('added')} "
                     f"INTERSECT {label_keys.format('removed')})")
    return DiffSummary(
        claims_added=count("claim_changes", "added"),
        claims_removed=count("claim_changes", "removed"),
        values_added=count("value_changes", "added"),
        values_removed=count("value_changes", "removed"),
        labels_added=count("name_changes", "added", "AND kind = 'label'") - changed,
        labels_removed=count("name_changes", "removed", "AND kind = 'label'") - changed,
        labels_changed=changed,
        aliases_added=count("name_changes", "added", "AND kind = 'alias'"),
        aliases_removed=count("name_changes", "removed", "AND kind = 'alias'"),
        touched_entities=scalar("SELECT count(DISTINCT id) FROM touched"),
        affected_entities=scalar("SELECT count(*) FROM affected"),
        everything=bool(con.execute("SELECT changed FROM whole_changes").fetchone()[0]))

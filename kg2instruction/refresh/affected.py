"""Which paragraphs a KG difference touches, read from the previous run's own stage outputs.

A paragraph's annotation depends on the KG only through entities and names. The previous run
recorded, per paragraph, every entity it considered (each `qid` / `*_qid` column of every
paragraph-keyed stage output: the page entity, certain and linked mentions, runner-up candidates,
triple ends) and every name it looked up (mention surfaces, link targets and anchors, the title).
A paragraph is affected when

  1. one of its entities is in the diff's `affected` set (its own data, a neighbour's label or a
     class above it changed), or
  2. one of its names is, in either KG version, a name of an affected entity, or an index entry
     that was added or removed (so a new candidate appears or an old one disappears), or
  3. its normalised text contains a name whose index entry was added or removed (a mention that
     the new KG would find but the old one did not look for).

Pages are the unit of context (page entity, subject mentions, routing), so every paragraph of a
page with an affected paragraph is affected. Shards never split a page, so this runs shard by shard
in bounded memory.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kg2instruction.storage.sql_literal import sql_path
from kg2instruction.text.normalize import normalize_name

NAME_COLUMNS = ("surface", "title", "link_target")
MIN_TEXT_NAME_CHARS = 2


@dataclass(frozen=True)
class DiffKeys:
    """What of the diff the per-paragraph test needs, held in memory once."""

    entities: frozenset[str]
    names: frozenset[tuple[str, str]]          # (lang, norm)
    text_names: Mapping[str, re.Pattern[str] | None]   # lang -> alternation of changed norms
    everything: bool

    @classmethod
    def load(cls, diff_db: Path, old_db: Path, new_db: Path) -> DiffKeys:
        with duckdb.connect(str(diff_db), read_only=True) as con:
            everything = bool(con.execute(
                "SELECT value FROM summary WHERE key = 'everything'").fetchone()[0])
            entities = frozenset(r[0] for r in con.execute("SELECT id FROM affected").fetchall())
            changed = con.execute("SELECT DISTINCT lang, norm FROM index_changes").fetchall()
            for alias, path in (("a", old_db), ("b", new_db)):
                con.execute(f"ATTACH {sql_path(path)} AS {alias} (READ_ONLY)")
            names = con.execute("""
                SELECT DISTINCT n.lang, n.norm FROM (
                    SELECT lang, norm, id FROM a.name_index
                    UNION ALL SELECT lang, norm, id FROM b.name_index) n
                JOIN affected USING (id)""").fetchall()
        by_lang: dict[str, list[str]] = {}
        for lang, norm in changed:
            if len(norm) >= MIN_TEXT_NAME_CHARS:
                by_lang.setdefault(lang, []).append(norm)
        patterns = {lang: re.compile("|".join(re.escape(n) for n in sorted(norms, key=len,
                                                                           reverse=True)))
                    for lang, norms in by_lang.items()}
        return cls(entities, frozenset(names) | frozenset(changed), patterns, everything)


@dataclass
class ShardPlan:
    shard_id: str
    paragraphs: int
    affected: list[str] = field(default_factory=list)     # paragraph ids, sorted


def plan_shard(shard_id: str, tables: Sequence[pa.Table], keys: DiffKeys) -> ShardPlan:
    """The affected paragraphs of one shard; `tables[0]` is the paragraphs table itself."""
    paragraphs = tables[0]
    page_of = dict(zip(paragraphs.column("paragraph_id").to_pylist(),
                       paragraphs.column("page_id").to_pylist()))
    plan = ShardPlan(shard_id, len(page_of))
    if keys.everything:
        plan.affected = sorted(page_of)
        return plan
    hit: set[str] = set()
    for table in tables:
        hit.update(_hits(table, keys))
    pages = {page_of[p] for p in hit if p in page_of}
    plan.affected = sorted(p for p, page in page_of.items() if page in pages)
    return plan


def _hits(table: pa.Table, keys: DiffKeys) -> Iterable[str]:
    columns = table.column_names
    ids = table.column("paragraph_id").to_pylist()
    langs = (table.column("lang").to_pylist() if "lang" in columns
             else [p.split(":", 1)[0] for p in ids])
    for name in columns:
        if name == "qid" or name.endswith("_qid"):
            for pid, qid in zip(ids, table.column(name).to_pylist()):
                if qid in keys.entities:
                    yield pid
        elif name in NAME_COLUMNS:
            for pid, lang, value in zip(ids, langs, table.column(name).to_pylist()):
                if value and (lang, normalize_name(value, lang)) in keys.names:
                    yield pid
        elif name == "links":
            for pid, lang, links in zip(ids, langs, table.column(name).to_pylist()):
                for link in links or ():
                    for value in (link.get("anchor"), link.get("target"), link.get("resolved")):
                        if value and (lang, normalize_name(value, lang)) in keys.names:
                            yield pid
        elif name == "text":
            for pid, lang, text in zip(ids, langs, table.column(name).to_pylist()):
                pattern = keys.text_names.get(lang)
                if pattern is not None and text and pattern.search(normalize_name(text, lang)):
                    yield pid


def shard_tables(outputs: Sequence[Path], shard_id: str) -> list[pa.Table]:
    """The paragraph-keyed columns of one shard in each of the previous run's outputs."""
    tables = []
    for directory in outputs:
        path = directory / f"shard-{shard_id}.parquet"
        if not path.is_file():
            continue
        schema = pq.read_schema(path)
        if "paragraph_id" not in schema.names:
            continue
        wanted = [n for n in schema.names if n in ("paragraph_id", "page_id", "lang", "text",
                                                   "links", "qid") or n.endswith("_qid")
                  or n in NAME_COLUMNS]
        tables.append(pq.read_table(path, columns=wanted))
    return tables

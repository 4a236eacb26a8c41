"""Which pages of a new Wikipedia dump can keep their downstream rows: a page-keyed comparison of
the previous run's paragraphs with the new run's.

The source stage always re-reads a new dump (its shards are cut by position, `pages_per_shard`
consecutive articles, so an added or removed page moves every later page to another shard). Reuse
is therefore keyed by *page*, `(source, page_id)`, never by shard position: a page keeps its rows
when its paragraph rows are identical in both runs: same `rev_id`, and the same text, links,
link targets after redirects, sections and ids (a redirect added elsewhere in the dump changes a
page's resolved links without changing its revision, so the revision alone is not enough;
extracts and corpora without a `rev_id` are compared by content alone). Only the `source`
provenance column (the dump's file name, new in every dump) is left out; no map stage copies it.

Per new shard the plan says which paragraphs to recompute (pages revised, re-rendered, added, or
touched by the KG difference) and which previous shards hold the rows of the others. A page's rows
all come from one side, so old and new text of a page are never mixed. All of it is SQL over the
two runs' shard files (DuckDB, out of core), so it scales with the dump, not with memory.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from kg2instruction.storage.sql_literal import sql_path

# Every PARAGRAPHS column a stage may read, i.e. all but the dump-file provenance.
COMPARED = ("paragraph_id", "rev_id", "lang", "title", "page_qid", "section", "index", "text",
            "links", "subject_spans")
STATUSES = ("same", "revised", "rerendered", "added", "removed")


@dataclass
class ShardReuse:
    """How one shard of the new run is assembled.

    recompute: paragraph ids the stage must process again (sorted).
    sources:   shards of the previous run holding the rows of this shard's other paragraphs.
    intact:    the previous shard with this id holds exactly this shard's paragraphs, all reused
               (so its file can be hard-linked as it is)."""

    recompute: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    intact: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShardReuse:
        return cls(list(data["recompute"]), list(data["sources"]), bool(data["intact"]))


ReusePlan = dict[str, ShardReuse]       # new shard id -> how to assemble it


@dataclass
class PageComparison:
    pages: dict[str, int]               # status -> pages (see STATUSES), plus "kg" (KG-touched)
    paragraphs: int                     # paragraphs of the new run
    plan: ReusePlan

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "paragraphs": self.paragraphs,
                "reuse": {s: asdict(r) for s, r in self.plan.items()}}


def compare_pages(old_dir: Path, new_dir: Path, kg_affected: Iterable[str],
                  temp_dir: Path) -> PageComparison:
    """Compare the source stage's outputs of the previous (`old_dir`) and the new run
    (`new_dir`, may be the same folder: then only `kg_affected` paragraphs' pages are
    recomputed) and plan every new shard. `kg_affected`: paragraph ids of the previous run whose
    page the KG difference touches."""
    old_shards, new_shards = _shards(old_dir), _shards(new_dir)
    temp_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"SET temp_directory = {sql_path(temp_dir)}")
        con.execute("SET preserve_insertion_order = false")
        same_input = old_dir.resolve() == new_dir.resolve()
        _load(con, "old_p", old_dir, old_shards, hashed=not same_input)
        if same_input:
            con.execute("CREATE TEMP VIEW new_p AS SELECT * FROM old_p")
        else:
            _load(con, "new_p", new_dir, new_shards, hashed=True)
        con.register("kg", pa.table({"paragraph_id": pa.array(sorted(set(kg_affected)),
                                                              pa.string())}))
        con.execute("""
            CREATE TEMP TABLE pages AS
            WITH o AS (SELECT src, page_id, any_value(shard) AS shard, max(rev_id) AS rev,
                              md5(string_agg(h, ',' ORDER BY paragraph_id)) AS digest
                       FROM old_p GROUP BY src, page_id),
                 n AS (SELECT src, page_id, any_value(shard) AS shard, max(rev_id) AS rev,
                              md5(string_agg(h, ',' ORDER BY paragraph_id)) AS digest
                       FROM new_p GROUP BY src, page_id),
                 k AS (SELECT DISTINCT p.src, p.page_id FROM old_p p JOIN kg USING (paragraph_id))
            SELECT coalesce(n.src, o.src) AS src, coalesce(n.page_id, o.page_id) AS page_id,
                   o.shard AS old_shard, n.shard AS new_shard,
                   CASE WHEN o.page_id IS NULL THEN 'added'
                        WHEN n.page_id IS NULL THEN 'removed'
                        WHEN o.digest = n.digest THEN 'same'
                        WHEN o.rev IS DISTINCT FROM n.rev THEN 'revised'
                        ELSE 'rerendered' END AS status,
                   k.page_id IS NOT NULL AS kg
            FROM o FULL OUTER JOIN n ON o.src = n.src AND o.page_id = n.page_id
            LEFT JOIN k ON k.src = coalesce(n.src, o.src)
                AND k.page_id = coalesce(n.page_id, o.page_id)""")
        con.execute("ALTER TABLE pages ADD COLUMN reuse BOOLEAN")
        con.execute("UPDATE pages SET reuse = status = 'same' AND NOT kg")
        counts = dict(con.execute("SELECT status, count(*) FROM pages GROUP BY status").fetchall())
        kg_pages = con.execute("SELECT count(*) FROM pages WHERE kg AND status <> 'removed'"
                               ).fetchone()[0]
        recompute = con.execute("""
            SELECT p.shard, list(p.paragraph_id ORDER BY p.paragraph_id)
            FROM new_p p JOIN pages g ON g.src = p.src AND g.page_id = p.page_id
            WHERE NOT g.reuse GROUP BY p.shard""").fetchall()
        sources = con.execute("""
            SELECT new_shard, list(DISTINCT old_shard ORDER BY old_shard) FROM pages
            WHERE reuse GROUP BY new_shard""").fetchall()
        # A shard is intact if no page enters, leaves or changes in it.
        disturbed = {r[0] for r in con.execute("""
            SELECT new_shard FROM pages WHERE new_shard IS NOT NULL
                AND NOT (reuse AND old_shard = new_shard)
            UNION SELECT old_shard FROM pages WHERE old_shard IS NOT NULL
                AND NOT (reuse AND old_shard = new_shard)""").fetchall()}
        paragraphs = con.execute("SELECT count(*) FROM new_p").fetchone()[0]
    recompute_of, sources_of = dict(recompute), dict(sources)
    plan = {shard: ShardReuse(recompute_of.get(shard, []), sources_of.get(shard, []),
                              shard in old_shards and shard not in disturbed)
            for shard in new_shards}
    pages = {status: int(counts.get(status, 0)) for status in STATUSES}
    pages["kg"] = int(kg_pages)
    return PageComparison(pages, int(paragraphs), plan)


def _shards(directory: Path) -> list[str]:
    listed = json.loads((directory / "_complete.json").read_bytes())["shards"]
    return sorted(entry["id"] for entry in listed)


def _load(con: duckdb.DuckDBPyConnection, name: str, directory: Path, shards: list[str],
          hashed: bool) -> None:
    """One row per paragraph: its shard, source (the shard id's prefix), page and row hash."""
    files = [str(directory / f"shard-{s}.parquet") for s in shards]
    if not files:
        con.execute(f"CREATE TEMP TABLE {name} (shard VARCHAR, src VARCHAR, page_id VARCHAR, "
                    "paragraph_id VARCHAR, rev_id BIGINT, h VARCHAR)")
        return
    row = ", ".join(f'"{c}" := "{c}"' for c in COMPARED)
    digest = f"md5(CAST(struct_pack({row}) AS VARCHAR))" if hashed else "''"
    listed = ", ".join(sql_path(f) for f in files)
    con.execute(f"""
        CREATE TEMP TABLE {name} AS
        SELECT shard, regexp_replace(shard, '-[0-9]+$', '') AS src, page_id, paragraph_id,
               rev_id, h
        FROM (SELECT regexp_extract(filename, 'shard-(.+)\\.parquet$', 1) AS shard, page_id,
                     paragraph_id, rev_id, {digest} AS h
              FROM read_parquet([{listed}], filename = true))""")

"""Build the DuckDB knowledge-graph store from a Wikidata JSON dump (single writer).

Flow: the dump is streamed entity by entity (`WikidataDumpReader`), flattened into column lists
(`EntityFlattener`, in worker processes for large dumps) and appended batch by batch as Arrow tables
to *staging* tables (in-memory, spilling to disk past the memory limit), so Python never holds more
than a few batches. At the end every table is written once into the store, DISTINCT and sorted
(`ORDER BY ALL`), which makes the content and the physical order a function of the dump and the
config only: rebuilding the same dump gives the same store. Derived tables (preferred labels,
property datatypes) are made in SQL.

The store is built in a temporary file beside the target and renamed over it only when complete, so
a failing build (bad input, full disk, kill) leaves the previous KG untouched.
"""
from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources as importlib_resources
from pathlib import Path

import duckdb
import pyarrow as pa

from kg2instruction.atomic import atomic_path
from kg2instruction.kg.build_config import BuildResources, KGBuildConfig
from kg2instruction.kg.dump_identity import dump_identity
from kg2instruction.kg.entity_rows import STAGED_SCHEMAS, EntityFlattener
from kg2instruction.kg.parallel_flatten import ParallelFlattener, flatten_entities
from kg2instruction.kg.property_datatypes import read_datatypes_csv
from kg2instruction.kg.stage_writer import StageWriter
from kg2instruction.kg.store_access import read_meta  # noqa: F401  (re-exported)
from kg2instruction.sources.wikidata_dump import (BadLine, BadLineLog, WikidataDumpReader,
                                                  parse_line_batch)
from kg2instruction.storage.exclusive_lock import ExclusiveLock
from kg2instruction.storage.inputs import input_path
from kg2instruction.storage.sql_literal import sql_path

SCHEMA_VERSION = 3   # 2: claims_by_tail and degrees; 3: neighbour_rows (see schema.sql)
# Tables copied from staging as they are (DISTINCT, sorted by all columns).
COPIED_TABLES = ("entities", "labels", "descriptions", "aliases", "name_index", "claims",
                 "time_values", "quantity_values", "string_values", "monolingual_values",
                 "sitelinks")
DATATYPE_SOURCE_PRECEDENCE = ("entity", "snak", "csv")
# Every table that holds KG content (all but meta), in a fixed order for the content digest.
# neighbour_rows and degrees are left out: they are functions of the tables hashed here, and
# hashing further copies of every claim would only lengthen the build.
CONTENT_TABLES = ("entities", "properties", "lang_fallback", "labels", "descriptions", "aliases",
                  "preferred_labels", "name_index", "claims", "time_values", "quantity_values",
                  "string_values", "monolingual_values", "sitelinks", "bad_lines")



def store_key(dump: str | Path) -> str:
    """Hex digest of a dump's identity and the store schema this code writes: what a store built
    from the dump is cached under (a store of another schema version is refused by the reader, so
    it must never be reused)."""
    identity = json.dumps([dump_identity(dump), SCHEMA_VERSION], sort_keys=True)
    return hashlib.sha256(identity.encode()).hexdigest()

def schema_sql() -> str:
    """The store's DDL (kg/schema.sql), the single definition of every table."""
    return importlib_resources.files("kg2instruction.kg").joinpath("schema.sql").read_text("utf-8")


@dataclass
class BuildSummary:
    """What a build ingested: table row counts, parser counters and the first bad lines."""

    out: Path
    dump_id: dict[str, object]
    counts: dict[str, int]
    bad_lines: list[BadLine] = field(default_factory=list)
    seconds: float = 0.0
    leftovers_removed: int = 0   # temporary files of an earlier, killed build of the same store

    def lines(self) -> list[str]:
        """Human-readable report, one fact per line (printed by `kg2i kg build`)."""
        c = self.counts
        report = [f"KG written to {self.out} in {self.seconds:.1f} s",
                  f"  dump: {self.dump_id['name']} ({self.dump_id['size']:,} bytes)",
                  f"  lines read: {c['lines']:,}; entities read: {c['entities_read']:,}"]
        for key in ("items", "properties", "labels", "descriptions", "aliases", "name_index",
                    "claims", "time_values", "quantity_values", "string_values",
                    "monolingual_values", "sitelinks", "skipped_entities", "bad_lines"):
            report.append(f"  {key}: {c.get(key, 0):,}")
        if self.leftovers_removed:
            report.append(f"  removed {self.leftovers_removed} temporary file(s) left by an "
                          "interrupted earlier build")
        for bad in self.bad_lines:
            report.append(f"    bad line {bad.line}: {bad.reason}")
        if c.get("bad_lines", 0) > len(self.bad_lines):
            report.append(f"    ... and {c['bad_lines'] - len(self.bad_lines):,} more")
        return report


def build_kg(dump: str | Path, out: str | Path, config: KGBuildConfig | None = None,
             resources: BuildResources | None = None,
             datatypes_csv: str | Path | None = None) -> BuildSummary:
    """Ingest `dump` into a new DuckDB store at `out` (replacing it atomically on success)."""
    config = config or KGBuildConfig()
    resources = resources or BuildResources()
    dump, out = input_path(dump), Path(out)       # the dump may be a URL, read in place
    started = time.perf_counter()
    identity = dump_identity(dump)
    csv_datatypes = read_datatypes_csv(datatypes_csv) if datatypes_csv is not None else {}
    bad_lines = BadLineLog(str(dump), max_bad_lines=config.max_bad_lines,
                           keep_first=config.bad_lines_recorded)
    with ExclusiveLock(out.with_name(f".{out.name}.lock"), f"KG build of {out}"):
        removed = remove_build_leftovers(out)
        with atomic_path(out) as tmp:
            tmp.unlink()  # DuckDB refuses the empty placeholder file; it creates its own
            with _connection(tmp, resources) as con:
                _create_schema(con, config)
                parser_counts = _ingest(con, dump, config, resources, bad_lines, csv_datatypes)
                _finalize(con, bad_lines, tmp.with_name(tmp.name + ".scratch"))
                counts = {**parser_counts, **_table_counts(con)}
                counts["bad_lines"] = bad_lines.count
                _write_meta(con, identity, config, counts)
    return BuildSummary(out, identity, counts, list(bad_lines.kept), time.perf_counter() - started,
                        removed)


def remove_build_leftovers(out: Path) -> int:
    """Remove what a killed build of `out` left beside it: the temporary store of `atomic_path`
    (`.<name>.<random>.tmp`), DuckDB's WAL and spill directory and the neighbour table's scratch
    file named after it. On a full dump these are hundreds of GB that a rerun would otherwise
    add to. Call it holding the build lock: no live build of `out` can then own them."""
    removed = 0
    for path in out.parent.glob(f".{glob.escape(out.name)}.*.tmp*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


# -- connection and staging -----------------------------------------------------------------------

@contextlib.contextmanager
def _connection(path: Path, resources: BuildResources) -> Iterator[duckdb.DuckDBPyConnection]:
    """Store connection with an in-memory staging database attached as `stage`.

    Staging rows never reach the store file (no compression, no checkpoint of data that is read
    once); beyond `memory_limit` DuckDB spills them to its temporary directory beside the store, so
    memory stays bounded."""
    options: dict[str, object] = {"memory_limit": resources.memory_limit,
                                  "preserve_insertion_order": True,
                                  "temp_directory": str(path.with_name(path.name + ".tmp"))}
    if resources.duckdb_threads:
        options["threads"] = resources.duckdb_threads
    # The store is attached rather than opened so its row-group size can be set (an ATTACH
    # option only); it becomes the default database, so `main.<table>` names the store's tables.
    con = duckdb.connect(":memory:", config=options)
    con.execute("SET enable_progress_bar = false")  # ours (tqdm) is the one progress display
    try:
        con.execute(f"ATTACH {sql_path(path)} AS kg "
                    f"(ROW_GROUP_SIZE {resources.row_group_size})")
        con.execute("USE kg")
        con.execute("ATTACH ':memory:' AS stage")
        yield con
        con.execute("DETACH stage")
        con.execute("CHECKPOINT")
    finally:
        con.close()
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + ".wal").unlink()


def _create_schema(con: duckdb.DuckDBPyConnection, config: KGBuildConfig) -> None:
    con.execute(schema_sql())
    for table, schema in STAGED_SCHEMAS.items():
        con.register("_empty", schema.empty_table())
        con.execute(f"CREATE TABLE stage.{table} AS SELECT * FROM _empty")
        con.unregister("_empty")
    rows = sorted((lang, variant, priority) for lang in config.languages
                  for priority, variant in enumerate(config.chain(lang)))
    con.executemany("INSERT INTO lang_fallback VALUES (?, ?, ?)", rows)


# -- the scan -------------------------------------------------------------------------------------

@dataclass
class _ScanTotals:
    """What the scan saw besides rows: merged over batches in file order."""

    entities: int = 0
    skipped_entities: int = 0
    snak_datatypes: dict[str, str] = field(default_factory=dict)


def _ingest(con: duckdb.DuckDBPyConnection, dump: Path, config: KGBuildConfig,
            resources: BuildResources, bad_lines: BadLineLog,
            csv_datatypes: dict[str, str]) -> dict[str, int]:
    reader = WikidataDumpReader(dump, bad_lines, threads=resources.decompress_threads)
    with _progress(resources) as bar, StageWriter(con) as writer:
        workers = resources.workers(dump.stat().st_size)
        if workers > 1 and not reader.is_entity_document():
            totals = _scan_parallel(reader, config, resources, workers, writer, bar)
        else:
            totals = _scan_serial(reader, config, resources, writer, bar)
        writer.submit({"properties": _datatype_rows(totals.snak_datatypes, csv_datatypes)})
    return {"lines": reader.position.lines, "entities_read": totals.entities,
            "skipped_entities": totals.skipped_entities}


def _scan_serial(reader: WikidataDumpReader, config: KGBuildConfig, resources: BuildResources,
                 writer: StageWriter, bar) -> _ScanTotals:
    flattener = EntityFlattener(config)
    totals = _ScanTotals()
    if reader.is_entity_document():
        parts: Iterator[Iterator[tuple[int, dict]]] = iter([reader.numbered()])
    else:
        parts = (parse_line_batch(batch, reader.bad_lines)
                 for batch in reader.line_batches(resources.batch_bytes))
    for numbered in parts:
        added = flatten_entities(flattener, numbered, reader.bad_lines)
        totals.entities += added
        bar.update(added)
        if flattener.pending_rows() >= resources.batch_rows:
            writer.submit(flattener.take_tables())
    writer.submit(flattener.take_tables())
    totals.skipped_entities = sum(flattener.skipped_kinds.values())
    totals.snak_datatypes = flattener.snak_datatypes
    return totals


def _scan_parallel(reader: WikidataDumpReader, config: KGBuildConfig, resources: BuildResources,
                   workers: int, writer: StageWriter, bar) -> _ScanTotals:
    totals = _ScanTotals()
    with ParallelFlattener(config, workers, str(reader.path)) as pool:
        for result in pool.map(reader.line_batches(resources.batch_bytes)):
            for bad in result.bad_lines:
                reader.bad_lines.add(bad)
            writer.submit(result.tables)
            totals.entities += result.entities
            totals.skipped_entities += sum(result.skipped_kinds.values())
            for pid, datatype in result.snak_datatypes.items():
                totals.snak_datatypes.setdefault(pid, datatype)
            bar.update(result.entities)
    return totals


def _datatype_rows(snak_datatypes: dict[str, str], csv_datatypes: dict[str, str]) -> pa.Table:
    rows = [(pid, dt, "snak") for pid, dt in snak_datatypes.items()]
    rows += [(pid, dt, "csv") for pid, dt in csv_datatypes.items()]
    return pa.Table.from_pylist([{"pid": p, "datatype": d, "source": s} for p, d, s in rows],
                                schema=STAGED_SCHEMAS["properties"])


@contextlib.contextmanager
def _progress(resources: BuildResources):
    from tqdm import tqdm

    disable = None if resources.progress is None else not resources.progress
    with tqdm(desc="ingest", unit=" entities", unit_scale=True, disable=disable,
              mininterval=1.0) as bar:
        yield bar


# -- finalisation ---------------------------------------------------------------------------------

def _finalize(con: duckdb.DuckDBPyConnection, bad_lines: BadLineLog, scratch: Path) -> None:
    """Write every store table once, DISTINCT and sorted, then derive the lookup tables."""
    for table in COPIED_TABLES:
        con.execute(f"INSERT INTO main.{table} SELECT DISTINCT * FROM stage.{table} ORDER BY ALL")
        con.execute(f"DROP TABLE stage.{table}")
    precedence = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(DATATYPE_SOURCE_PRECEDENCE))
    con.execute(f"""
        INSERT INTO main.properties
        SELECT pid, first(datatype ORDER BY prec, datatype), first(source ORDER BY prec, datatype)
        FROM (SELECT *, CASE source {precedence} END AS prec FROM stage.properties)
        GROUP BY pid ORDER BY pid""")
    con.execute("""
        INSERT INTO main.preferred_labels
        SELECT l.id, f.lang, first(l.value ORDER BY f.priority, l.value),
               first(l.lang ORDER BY f.priority, l.value)
        FROM main.labels l JOIN main.lang_fallback f ON l.lang = f.variant
        GROUP BY l.id, f.lang ORDER BY ALL""")
    _derive_neighbour_table(con, scratch)
    _derive_degrees(con)
    source = Path(bad_lines.source).name
    if bad_lines.kept:
        con.executemany("INSERT INTO main.bad_lines VALUES (?, ?, ?, ?)",
                        [(source, b.line, b.reason, b.excerpt) for b in bad_lines.kept])


def _derive_neighbour_table(con: duckdb.DuckDBPyConnection, scratch: Path) -> None:
    """neighbour_rows (every entity's neighbours with their names, reverse edges in capped-lookup
    order), from main.claims, main.entities and the name tables.

    The order inside an entity's reverse edges is total (n_claims, QID number, property number),
    and the physical order is sorted on unique keys, so `pos` and the layout are functions of the
    content: rebuilding gives the same store.

    Done in steps whose intermediate tables live in a scratch database file (`scratch`, removed
    afterwards): one statement joining and sorting everything, or intermediates held in the
    in-memory staging database, ran out of memory under the build's default limit at 10x the
    sample, while a file's blocks can be evicted and a plain join or sort spills."""
    try:
        con.execute(f"ATTACH {sql_path(scratch)} AS scratch")
        _fill_neighbour_rows(con)
    finally:
        # After a write error (a full disk) DuckDB may refuse even the DETACH; the files go
        # regardless, and the caller sees the original error.
        with contextlib.suppress(duckdb.Error):
            con.execute("DETACH scratch")
        for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
            leftover.unlink(missing_ok=True)


def _fill_neighbour_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE scratch.directed AS
        WITH edges AS (SELECT DISTINCT head, pid, tail FROM main.claims)
        SELECT head AS entity, 'forward' AS direction, 0::BIGINT AS pos, tail AS other, pid
        FROM edges
        UNION ALL
        SELECT c.tail, 'reverse',
               row_number() OVER (PARTITION BY c.tail
                                  ORDER BY coalesce(e.n_claims, 0) DESC, length(c.head), c.head,
                                           length(c.pid), c.pid) - 1,
               c.head, c.pid
        FROM edges c LEFT JOIN main.entities e ON e.id = c.head""")
    languages = [r[0] for r in con.execute(
        "SELECT DISTINCT lang FROM main.lang_fallback ORDER BY lang").fetchall()]
    for lang in languages:   # rows are sorted by language first: one sorted insert each
        con.execute("""
            CREATE TABLE scratch.other_names AS
            SELECT coalesce(p.id, a.id) AS id, p.value AS label,
                   coalesce(a.aliases, []::VARCHAR[]) AS aliases
            FROM (SELECT id, value FROM main.preferred_labels WHERE lang = $lang) p
            FULL JOIN (
                SELECT a.id, list(DISTINCT a.value ORDER BY a.value) AS aliases
                FROM main.aliases a JOIN main.lang_fallback f ON a.lang = f.variant
                WHERE f.lang = $lang GROUP BY a.id) a
              ON a.id = p.id""", {"lang": lang})
        con.execute("""
            CREATE TABLE scratch.named AS
            SELECT d.entity, d.direction, d.pos, d.other, d.pid, n.label,
                   coalesce(n.aliases, []::VARCHAR[]) AS aliases
            FROM scratch.directed d LEFT JOIN scratch.other_names n ON n.id = d.other""")
        con.execute("""
            INSERT INTO main.neighbour_rows
            SELECT entity, $lang, direction, pos, other, pid, label, aliases FROM scratch.named
            ORDER BY entity, direction, pos, other, pid""", {"lang": lang})
        con.execute("DROP TABLE scratch.named")
        con.execute("DROP TABLE scratch.other_names")
    con.execute("DROP TABLE scratch.directed")


def _derive_degrees(con: duckdb.DuckDBPyConnection) -> None:
    """Item-valued degree per entity, so a reader can tell a hub before fetching its edges."""
    con.execute("""
        INSERT INTO main.degrees
        SELECT id, sum(n_forward), sum(n_reverse) FROM (
            SELECT head AS id, count(*) AS n_forward, 0 AS n_reverse FROM main.claims GROUP BY head
            UNION ALL
            SELECT tail, 0, count(*) FROM main.claims GROUP BY tail)
        GROUP BY id ORDER BY id""")


def _table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {t: con.execute(f"SELECT count(*) FROM main.{t}").fetchone()[0]
              for t in CONTENT_TABLES if t != "bad_lines"}
    by_kind = dict(con.execute("SELECT kind, count(*) FROM main.entities GROUP BY kind").fetchall())
    counts["items"] = by_kind.get("item", 0)
    counts["property_entities"] = by_kind.get("property", 0)
    return counts


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """SHA-256 over each content table's row count and XOR of row hashes (all tables but meta).

    Rows are DISTINCT per table, so the XOR cannot cancel; equal digests mean equal content (for
    stores built with the same DuckDB version, whose row hash it relies on)."""
    parts = []
    for table in CONTENT_TABLES:
        n, xor = con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} t"
                             ).fetchone()
        parts.append(f"{table}:{n}:{xor}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _write_meta(con: duckdb.DuckDBPyConnection, identity: dict[str, object],
                config: KGBuildConfig, counts: dict[str, int]) -> None:
    meta = {"schema_version": SCHEMA_VERSION,
            "dump_id": identity,
            "config": config.model_dump(mode="json"),
            "counts": counts,
            "content_digest": content_digest(con),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    con.executemany("INSERT INTO main.meta VALUES (?, ?)",
                    [(key, json.dumps(value, sort_keys=True)) for key, value in meta.items()])

"""The run's funnel, one row per stage transition, each row counted in one unit.

The manifest's funnel counts rows in and rows out, and a stage's rows change unit on the way:
`identify_mentions` reads paragraphs and writes mentions, `make_instructions` reads records and
writes several instructions per record. Put side by side, "kept" could exceed "in". Here every
row is counted in the unit the stage's input and output share: the finest id column present in
both tables (triples, mentions, instructions, records, paragraphs) whose ids the output carries
over (a stage that mints new ids, as `apply_schema` does for triples, is counted in the next
coarser shared unit). `rows_in` is the distinct ids
of the first table input, `kept` those of them that occur in the output, so `kept <= rows_in`
always; what the stage wrote in its own unit is reported beside (`produced`), as are ids the
output holds that the counted input did not (`added`: the negative paragraphs sampling draws
from another input). A stage without a table input (a source) is counted in its output unit:
what it kept plus what it counted as dropped.

Counting distinct ids runs in DuckDB over the Parquet shards, so a full-size run is counted
without loading its tables into memory.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from kg2instruction.dataset.run_outputs import RunOutputs

# Id columns, finest first, and the unit each counts.
KEY_UNITS: tuple[tuple[str, str], ...] = (
    ("triple_id", "triples"), ("mention_id", "mentions"), ("id", "instructions"),
    ("record_id", "records"), ("paragraph_id", "paragraphs"))


@dataclass
class FunnelRow:
    """One stage transition, `rows_in` and `kept` in the same `unit`."""

    stage: str
    unit: str
    rows_in: int                 # distinct `unit`s entering (sources: kept + dropped)
    kept: int                    # of those, the ones the output still holds
    produced: int = 0            # rows written, in `produced_unit`
    produced_unit: str = "rows"
    added: int = 0               # `unit`s in the output that were not in the counted input
    input_stage: str | None = None
    dropped: dict[str, int] = field(default_factory=dict)   # the stage's own drop counters

    @property
    def lost(self) -> int:
        return self.rows_in - self.kept

    @property
    def kept_share(self) -> float:
        return self.kept / self.rows_in if self.rows_in else 0.0


def unit_of(columns: Sequence[str]) -> tuple[str | None, str]:
    """(id column, unit) of a table: its finest id column; (None, "rows") without one."""
    for column, unit in KEY_UNITS:
        if column in columns:
            return column, unit
    return None, "rows"


def funnel_rows(run: RunOutputs) -> list[FunnelRow]:
    """The funnel of every table-producing stage of the run, in run order (see module doc)."""
    import duckdb

    manifest = run.manifest
    files = {name: _shard_files(run, name) for name in manifest.stages if run.has(name)}
    rows = []
    with duckdb.connect() as con:
        for name, report in manifest.stages.items():
            if report.kind == "artifact" or not files.get(name):
                continue
            out_columns = _columns(con, files[name])
            primary = next((r for r in report.requires if files.get(r)), None)
            dropped = dict(report.funnel.dropped)
            if primary is None:
                rows.append(_source_row(con, name, files[name], out_columns, dropped))
            else:
                rows.append(_transition_row(con, name, files[name], out_columns, primary,
                                            files[primary], dropped))
    return rows


def _source_row(con, name: str, files: list[str], columns: list[str],
                dropped: dict[str, int]) -> FunnelRow:
    key, unit = unit_of(columns)
    produced = _count(con, files, None)
    kept = produced if key is None else _count(con, files, key)
    return FunnelRow(name, unit, kept + sum(dropped.values()), kept, produced, unit,
                     dropped=dropped)


def _transition_row(con, name: str, files: list[str], columns: list[str], primary: str,
                    primary_files: list[str], dropped: dict[str, int]) -> FunnelRow:
    in_columns = _columns(con, primary_files)
    _, produced_unit = unit_of(columns)
    shared = [c for c in (k for k, _ in KEY_UNITS) if c in columns and c in in_columns]
    produced = _count(con, files, None)
    if not shared:      # nothing ties output rows to input rows: count both as plain rows
        rows_in = _count(con, primary_files, None)
        return FunnelRow(name, "rows", rows_in, min(rows_in, produced), produced,
                         produced_unit, max(0, produced - rows_in), primary, dropped)
    for key in shared:      # finest first; a stage may mint new ids (apply_schema's triples)
        rows_in, kept, out_keys = _overlap(con, key, primary_files, files)
        if kept or not out_keys:
            break
    return FunnelRow(name, dict(KEY_UNITS)[key], rows_in, kept, produced, produced_unit,
                     out_keys - kept, primary, dropped)


def _overlap(con, key: str, in_files: list[str], out_files: list[str]) -> tuple[int, int, int]:
    """(distinct ids in, of them still in the output, distinct ids out)."""
    return con.execute(
        f"""SELECT (SELECT count(DISTINCT "{key}") FROM read_parquet($in_files)),
                   (SELECT count(DISTINCT "{key}") FROM read_parquet($out_files)
                     WHERE "{key}" IN (SELECT "{key}" FROM read_parquet($in_files))),
                   (SELECT count(DISTINCT "{key}") FROM read_parquet($out_files))""",
        {"in_files": in_files, "out_files": out_files}).fetchone()


def _shard_files(run: RunOutputs, stage: str) -> list[str]:
    folder = run.output_dir(stage)
    shards = orjson.loads((folder / "_complete.json").read_bytes())["shards"]
    paths = [folder / f"shard-{s['id']}.parquet" for s in shards]
    return [str(p) for p in paths if Path(p).is_file()]


def _columns(con, files: list[str]) -> list[str]:
    """Top-level column names (nested struct fields named `id` must not count as keys)."""
    return [row[0] for row in con.execute(
        "DESCRIBE SELECT * FROM read_parquet($files)", {"files": files[:1]}).fetchall()]


def _count(con, files: list[str], key: str | None) -> int:
    what = "*" if key is None else f'DISTINCT "{key}"'
    return con.execute(f"SELECT count({what}) FROM read_parquet($files)",
                       {"files": files}).fetchone()[0]

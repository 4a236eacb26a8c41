"""Publish a run's records and instructions as a versioned dataset folder.

`kg2i export` publishes to `<cache>/<run>/datasets/<theme>/` unless told otherwise (`--out`).
Layout (every data file in JSONL and in Parquet, same rows; a split with no rows has no file)::

    <out_root>/
      LATEST                         name of the version exported last (written last)
      <version>/                     e.g. person-3f9a1c2b7d0e (theme + instruction fingerprint)
        README.md                    dataset card: YAML `configs:` (one per format folder, its
                                     split files) for `datasets.load_dataset`, counts per
                                     theme/relation/language/split, sources and dump ids, licences
        kg2i_summary.json            the same numbers, machine-readable (not `dataset_info.json`:
                                     that name belongs to `datasets.DatasetInfo`, one config)
        records/<split>.jsonl        InstructIE records {id, cate, text, relation, entity, lang}
        provenance.parquet           one row per triple occurrence: record id, QIDs, P-id,
                                     direction, rule, offsets, NLI score, page, revision, dump
        instructie/<split>.jsonl     InstructIE's release instruction form (relations only):
                                     train/dev {instruction, output}; test {id, cate,
                                     instruction, label: [{head, head_type, relation, ...}]}
        iepile/<TASK>/<split>.jsonl  TASK = RE | NER, one task per file; {id, instruction,
                                     output, cate, lang, task, label}; instruction = JSON
                                     {instruction, schema, input}, output = JSON {label:
                                     [{subject, object}]} (NER: {type: [names]})
        alpaca/<split>.jsonl         {"instruction", "input", "output"} (varied phrasings x 4
                                     output formats; RE and NER)
        instructuie/<split>.jsonl    InstructUIE's IE INSTRUCTIONS instance, RE and NER: {id, Task,
                                     Dataset, subset, sentence, instruction ("... Option: ...
                                     Text: ... Answer:"), label, ground_truth}
        yayi-uie/<split>.jsonl       YAYI-UIE chat, RE and NER: {id, task, lang, messages: [system,
                                     user (text, then task type, options, output format),
                                     assistant (JSON)]}; config `yayi_uie`
        ieinstruct/<split>.jsonl     ADELIE IEInstruct chat, one line per record, task and output
                                     format (triplet, natural, json): {id, task, lang, format,
                                     shots, messages}; 0 or k demonstrations from train records
        (record shapes and the rules behind them: `instructions.export_files`)

The schema chunks of one record share its id and are consecutive lines. In iepile/ files
`label` is a JSON string (the record's list of {head, head_type, relation, tail, tail_type} or
{entity, entity_type}) so that every file has one flat schema:
`datasets.load_dataset("<version folder>", "iepile")` (the card's configs),
`load_dataset("json", data_files=...)` and `load_dataset("parquet", ...)` all read it.
NER instruction ids end in `/ner` (see `instructions.ids`). Splits are by page: no
page has paragraphs in two splits.

To a URL (`--out s3://...`, or the pipeline's `datasets_url`) the version is staged locally and
uploaded with a manifest written after the last object and LATEST after that
(`storage.publish`); the local layout is the same.

Publication is atomic: everything is written into a hidden temporary folder next to the final one,
which is renamed into place only when complete, and LATEST is updated after that; a crash leaves
the previous versions untouched. Just before the rename the folder gets the modes of any shared
dataset (0755 folders, 0644 files): `mkdtemp` made it 0700, which would hide a published
version from every other user of the machine, a web server or a Hub uploader. The version name
is derived from the instruction stage's fingerprint, so exporting the same run twice writes
nothing new (LATEST points at it again).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kg2instruction.atomic import atomic_write_text
from kg2instruction.dataset.dataset_card import render_card
from kg2instruction.dataset.hf_configs import data_configs
from kg2instruction.instructions.export_files import STYLES, instruction_files
from kg2instruction.instructions.records import PROVENANCE, RECORDS, to_instructie

LATEST = "LATEST"
SUMMARY_FILE = "kg2i_summary.json"
DIR_MODE, FILE_MODE = 0o755, 0o644
RECORD_FILE = pa.schema([
    ("id", pa.string()), ("cate", pa.string()), ("text", pa.string()),
    RECORDS.field("relation"), RECORDS.field("entity"), ("lang", pa.string())])
PROVENANCE_FILE = pa.schema([("record_id", pa.string()), ("paragraph_id", pa.string()),
                             ("page_id", pa.string()), ("title", pa.string()),
                             ("rev_id", pa.int64()), ("source", pa.string()),
                             ("lang", pa.string()), ("theme", pa.string())]
                            + list(PROVENANCE))


@dataclass(frozen=True)
class ExportInfo:
    """What the dataset card says about where the data came from."""

    pipeline: str
    theme: str
    version: str
    seed: int
    sources: Sequence[Mapping[str, Any]] = ()          # {kind, lang, name, file: dump identity}
    fingerprints: Mapping[str, str] = field(default_factory=dict)   # stage -> fingerprint


def export_dataset(records: pa.Table, instructions: pa.Table, out_root: str | Path,
                   info: ExportInfo) -> Path:
    """Write the dataset folder `<out_root>/<info.version>` (unless it exists) and return it."""
    out_root = Path(out_root)
    final = out_root / info.version
    if final.is_dir():
        atomic_write_text(out_root / LATEST, info.version + "\n")
        return final
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{info.version}.", suffix=".tmp", dir=out_root))
    try:
        counts = _write_folder(tmp, records.to_pylist(), instructions.to_pylist())
        summary = {"pipeline": info.pipeline, "theme": info.theme, "version": info.version,
                   "seed": info.seed, "sources": list(info.sources),
                   "fingerprints": dict(info.fingerprints), **counts,
                   "configs": data_configs(tmp)}
        (tmp / SUMMARY_FILE).write_text(
            json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
        (tmp / "README.md").write_text(render_card(summary), encoding="utf-8")
        _make_readable(tmp)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    atomic_write_text(out_root / LATEST, info.version + "\n")
    return final


def export_to(records: pa.Table, instructions: pa.Table, target: str | Path, info: ExportInfo,
              *, staging: Path, options: Mapping[str, Any] | None = None,
              on_uploaded: Callable[[str], None] | None = None) -> str | Path:
    """Publish to a local dataset root (`export_dataset`) or to a URL such as s3://bucket/x.

    For a URL the version is first written complete under the local `staging` root (atomic, as
    above), then uploaded by `storage.publish.publish_folder`: objects, a manifest, LATEST last.
    A killed upload resumes from the staged folder, which is only removed once published."""
    from kg2instruction.storage.location import is_url

    if not is_url(target):
        return export_dataset(records, instructions, target, info)
    from kg2instruction.storage.publish import is_complete, publish_folder, set_latest

    if is_complete(str(target), info.version, options):          # nothing new to write
        return set_latest(str(target), info.version, options)
    for leftover in staging.glob(f".{info.version}.*.tmp"):      # killed mid-export
        shutil.rmtree(leftover, ignore_errors=True)
    folder = export_dataset(records, instructions, staging, info)
    published = publish_folder(folder, str(target), options, on_uploaded=on_uploaded)
    shutil.rmtree(folder)
    (staging / LATEST).unlink(missing_ok=True)
    return published.url


def latest_version(out_root: str | Path) -> Path | None:
    """The folder LATEST names, or None before the first export."""
    marker = Path(out_root) / LATEST
    if not marker.is_file():
        return None
    return Path(out_root) / marker.read_text(encoding="utf-8").strip()


def _make_readable(folder: Path) -> None:
    """Give the folder and everything in it the modes of a published dataset."""
    for path in folder.rglob("*"):
        os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
    os.chmod(folder, DIR_MODE)


def _write_folder(folder: Path, records: list[dict[str, Any]],
                  instructions: list[dict[str, Any]]) -> dict[str, Any]:
    by_split = _group(records, "split")
    for split, rows in by_split.items():
        _write_both(folder / "records" / split, [to_instructie(r) for r in rows], RECORD_FILE)
    _write_parquet(folder / "provenance.parquet", [
        {"record_id": r["record_id"], "paragraph_id": r["paragraph_id"], "page_id": r["page_id"],
         "title": r["title"], "rev_id": r["rev_id"], "source": r["source"], "lang": r["lang"],
         "theme": r["theme"], **p} for r in records for p in r["provenance"]], PROVENANCE_FILE)
    instruction_counts: dict[str, dict[str, int]] = {}
    for style in STYLES:
        mine = [row for row in instructions if row["style"] == style]
        for split, rows in _group(mine, "split").items():
            for file in instruction_files(style, split, rows):
                _write_both(folder / file.stem, file.rows, file.schema)
        instruction_counts[style] = _count(mine, lambda r: f"{r['split']}/{r['task']}/{r['lang']}")
    return {"splits": sorted(by_split),
            "records": _count(records, lambda r: f"{r['split']}/{r['lang']}"),
            "records_per_theme": _count(records, lambda r: r["theme"]),
            "relations": _relation_counts(records),
            "entity_types": _count(((r["lang"], e) for r in records for e in r["entity"]),
                                   lambda le: f"{le[0]}/{le[1]['entity_type']}"),
            "instructions": instruction_counts,
            "formats": _count(instructions, lambda r: f"{r['style']}/{r['format']}")}


def _relation_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        for rel in r["relation"]:
            counts[r["lang"]][rel["relation"]] += 1
    return {lang: dict(c.most_common()) for lang, c in sorted(counts.items())}


def _group(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return dict(sorted(groups.items()))


def _count(rows: Iterable[Any], key: Callable[[Any], str]) -> dict[str, int]:
    return dict(sorted(Counter(key(r) for r in rows).items()))


def _write_both(stem: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    stem.parent.mkdir(parents=True, exist_ok=True)
    with open(stem.with_suffix(".jsonl"), "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    _write_parquet(stem.with_suffix(".parquet"), rows, schema)


def _write_parquet(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
    pq.write_table(table, path, compression="zstd")

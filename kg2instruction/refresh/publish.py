"""Dataset versions of a refresh: publish the new one, write its changelog, apply retention.

Layout under `<datasets>/<theme>/` (the export's own layout plus three files):

    <version>/                 written by `dataset.export.export_dataset` (atomic rename)
    LATEST                     the newest version (written by the export, after the folder)
    versions.json              history, oldest first: version, KG dump, previous version, time
    changelog/<version>.json   triples added and removed per theme against the previous version
    CHANGELOG.md               the same, newest first, for people

Retention keeps the newest `keep` versions (never the one LATEST names); an old version is first
renamed to a hidden name and then deleted, so a crash mid-delete never leaves a half version
under a real name.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.pipeline import Pipeline
from kg2instruction.dataset.export import LATEST, ExportInfo, export_dataset, latest_version
from kg2instruction.dataset.run_outputs import RunOutputs
from kg2instruction.kg.dump_identity import dump_identity

VERSIONS_FILE = "versions.json"
CHANGELOG_DIR = "changelog"
CHANGELOG_MD = "CHANGELOG.md"
TRIPLE_KEY = ("paragraph_id", "head", "head_qid", "relation_en", "pid", "direction", "tail",
              "tail_qid", "tail_value")
SOURCE_KINDS = ("wikipedia", "wikidata")


@dataclass(frozen=True)
class Published:
    version: Path
    previous: Path | None
    changelog: dict[str, dict[str, int]]      # theme -> {"added": n, "removed": n}
    removed_versions: list[str]


def publish(run: RunOutputs, pipeline: Pipeline, theme: str, out_root: Path, keep: int | None,
            kg_dump: dict[str, Any]) -> Published:
    """Export the run as a dataset version, then changelog, history and retention."""
    previous = latest_version(out_root)
    fingerprint = run.fingerprint("make_instructions")
    info = ExportInfo(pipeline=pipeline.name, theme=theme, version=f"{theme}-{fingerprint[:12]}",
                      seed=pipeline.config.seed, sources=_sources(pipeline),
                      fingerprints={k: v.fingerprint for k, v in run.manifest.stages.items()})
    for leftover in out_root.glob(f".{info.version}.*.tmp"):   # this version, killed mid-export
        shutil.rmtree(leftover, ignore_errors=True)
    folder = export_dataset(run.table("build_records"), run.table("make_instructions"),
                            out_root, info)
    # An existing version (a refresh back to known dumps) is not rewritten by the export, nor
    # is LATEST; it becomes the latest again here.
    atomic_write_text(out_root / LATEST, folder.name + "\n")
    if previous is not None and previous.name == folder.name:
        previous = _previous_in_history(out_root, folder.name)
    changes = triple_changes(previous, folder)
    _write_changelog(out_root, folder.name, None if previous is None else previous.name,
                     changes, kg_dump)
    removed = apply_retention(out_root, keep)
    return Published(folder, previous, changes, removed)


def triple_changes(old: Path | None, new: Path) -> dict[str, dict[str, int]]:
    """Per theme, the triples (with their paragraph and offsets-free ends) added and removed."""
    old_triples = _triples(old) if old is not None else Counter()
    new_triples = _triples(new)
    changes: dict[str, dict[str, int]] = {}
    for (theme, *_), n in (new_triples - old_triples).items():
        changes.setdefault(theme, {"added": 0, "removed": 0})["added"] += n
    for (theme, *_), n in (old_triples - new_triples).items():
        changes.setdefault(theme, {"added": 0, "removed": 0})["removed"] += n
    return dict(sorted(changes.items()))


def apply_retention(out_root: Path, keep: int | None) -> list[str]:
    """Delete all but the newest `keep` versions of the history (LATEST is always kept).

    Only when the operator asked for it (`kg2i refresh run --keep N`): a published version is
    data people may cite, so with no `--keep` nothing is ever deleted."""
    from kg2instruction.core.published import Removal, remove

    history = _history(out_root)
    for leftover in out_root.glob(".*.deleting"):      # a crash during an earlier deletion
        shutil.rmtree(leftover, ignore_errors=True)
    if keep is None:
        return []
    latest = latest_version(out_root)
    names = [h["version"] for h in history]
    doomed = [n for n in names[:max(0, len(names) - keep)]
              if latest is None or n != latest.name]
    remove(Removal(out_root / name, f"dataset version {name}") for name in doomed
           if (out_root / name).is_dir())
    if doomed:
        kept = [h for h in history if h["version"] not in doomed]
        atomic_write_text(out_root / VERSIONS_FILE, json.dumps(kept, indent=2) + "\n")
    return doomed


def _triples(folder: Path) -> Counter[tuple[Any, ...]]:
    table = pq.read_table(folder / "provenance.parquet",
                          columns=["theme", *TRIPLE_KEY])
    return Counter(tuple(row.values()) for row in table.to_pylist())


def _history(out_root: Path) -> list[dict[str, Any]]:
    path = out_root / VERSIONS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def _previous_in_history(out_root: Path, current: str) -> Path | None:
    names = [h["version"] for h in _history(out_root) if h["version"] != current]
    return out_root / names[-1] if names and (out_root / names[-1]).is_dir() else None


def _write_changelog(out_root: Path, version: str, previous: str | None,
                     changes: dict[str, dict[str, int]], kg_dump: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    entry = {"version": version, "previous": previous, "kg_dump": kg_dump, "published_at": now,
             "triples": changes}
    atomic_write_text(out_root / CHANGELOG_DIR / f"{version}.json",
                      json.dumps(entry, indent=2, ensure_ascii=False) + "\n")
    history = [h for h in _history(out_root) if h["version"] != version]
    history.append({"version": version, "previous": previous, "kg_dump": kg_dump.get("name"),
                    "published_at": now})
    atomic_write_text(out_root / VERSIONS_FILE, json.dumps(history, indent=2) + "\n")
    lines = ["# Changelog", ""]
    for item in reversed(history):
        path = out_root / CHANGELOG_DIR / f"{item['version']}.json"
        if not path.is_file():
            continue
        logged = json.loads(path.read_text(encoding="utf-8"))
        lines.append(f"## {item['version']} ({logged['published_at']}, KG dump "
                     f"{item.get('kg_dump')}; previous: {logged['previous'] or 'none'})")
        lines.append("")
        lines += [f"- {theme}: +{n['added']} / -{n['removed']} triples"
                  for theme, n in logged["triples"].items()] or ["- no triple changes"]
        lines.append("")
    atomic_write_text(out_root / CHANGELOG_MD, "\n".join(lines))


def _sources(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [{"kind": kind, "lang": source.lang, "name": source.shard_prefix,
             "file": dump_identity(pipeline.source_path(kind, index))}
            for kind in SOURCE_KINDS
            for index, source in enumerate(pipeline.source_files(kind))]

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

The root may be a URL (the pipeline's `datasets_url`): the version is then uploaded with its
manifest before LATEST (`storage.publish`), the three files above are single PUTs, and retention
deletes a version's manifest before its objects, so a crash mid-delete leaves nothing trusted.
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

from kg2instruction.config.pipeline import Pipeline
from kg2instruction.dataset.export import LATEST, ExportInfo, export_to, latest_version
from kg2instruction.dataset.run_outputs import RunOutputs
from kg2instruction.kg.dump_identity import dump_identity
from kg2instruction.storage.files import open_read, read_text, write_text
from kg2instruction.storage.inputs import RemotePath
from kg2instruction.storage.location import is_url, join

VERSIONS_FILE = "versions.json"
CHANGELOG_DIR = "changelog"
CHANGELOG_MD = "CHANGELOG.md"
TRIPLE_KEY = ("paragraph_id", "head", "head_qid", "relation_en", "pid", "direction", "tail",
              "tail_qid", "tail_value")
SOURCE_KINDS = ("wikipedia", "wikidata")


# A version folder: a local path, or a URL (with `.name` like a path)
Location = Path | RemotePath


@dataclass(frozen=True)
class Published:
    version: Location
    previous: Location | None
    changelog: dict[str, dict[str, int]]      # theme -> {"added": n, "removed": n}
    removed_versions: list[str]


def publish(run: RunOutputs, pipeline: Pipeline, theme: str, out_root: Path | str,
            keep: int | None, kg_dump: dict[str, Any]) -> Published:
    """Export the run as a dataset version, then changelog, history and retention."""
    options = pipeline.storage_options(out_root) if is_url(out_root) else None
    root = _Root(out_root, options)
    previous = root.latest()
    fingerprint = run.fingerprint("make_instructions")
    info = ExportInfo(pipeline=pipeline.name, theme=theme, version=f"{theme}-{fingerprint[:12]}",
                      seed=pipeline.config.seed, sources=_sources(pipeline),
                      fingerprints={k: v.fingerprint for k, v in run.manifest.stages.items()})
    if not is_url(out_root):
        for leftover in Path(out_root).glob(f".{info.version}.*.tmp"):   # killed mid-export
            shutil.rmtree(leftover, ignore_errors=True)
    exported = export_to(run.table("build_records"), run.table("make_instructions"), out_root,
                         info, staging=pipeline.cache_root / pipeline.name / "datasets" /
                         ".staging" / theme, options=options)
    folder = root.version(exported)
    # An existing version (a refresh back to known dumps) is not rewritten by the export, nor
    # is LATEST; it becomes the latest again here.
    root.write(LATEST, folder.name + "\n")
    if previous is not None and previous.name == folder.name:
        previous = _previous_in_history(root, folder.name)
    changes = triple_changes(previous, folder, options)
    _write_changelog(root, folder.name, None if previous is None else previous.name,
                     changes, kg_dump)
    removed = apply_retention(out_root, keep, options)
    return Published(folder, previous, changes, removed)


def triple_changes(old: Location | None, new: Location,
                   options: dict[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """Per theme, the triples (with their paragraph and offsets-free ends) added and removed."""
    old_triples = _triples(old, options) if old is not None else Counter()
    new_triples = _triples(new, options)
    changes: dict[str, dict[str, int]] = {}
    for (theme, *_), n in (new_triples - old_triples).items():
        changes.setdefault(theme, {"added": 0, "removed": 0})["added"] += n
    for (theme, *_), n in (old_triples - new_triples).items():
        changes.setdefault(theme, {"added": 0, "removed": 0})["removed"] += n
    return dict(sorted(changes.items()))


def apply_retention(out_root: Path | str, keep: int | None,
                    options: dict[str, Any] | None = None) -> list[str]:
    """Delete all but the newest `keep` versions of the history (LATEST is always kept).

    Only when the operator asked for it (`kg2i refresh run --keep N`): a published version is
    data people may cite, so with no `--keep` nothing is ever deleted."""
    root = _Root(out_root, options)
    history = _history(root)
    if not is_url(out_root):
        for leftover in Path(out_root).glob(".*.deleting"):   # a crash in an earlier deletion
            shutil.rmtree(leftover, ignore_errors=True)
    if keep is None:
        return []
    latest = root.latest()
    names = [h["version"] for h in history]
    doomed = [n for n in names[:max(0, len(names) - keep)]
              if latest is None or n != latest.name]
    root.remove(doomed)
    if doomed:
        kept = [h for h in history if h["version"] not in doomed]
        root.write(VERSIONS_FILE, json.dumps(kept, indent=2) + "\n")
    return doomed


class _Root:
    """A theme's dataset root, local or at a URL: the few operations publishing needs."""

    def __init__(self, root: Path | str, options: dict[str, Any] | None) -> None:
        self.root, self.options, self.remote = root, options, is_url(root)

    def latest(self) -> Location | None:
        if not self.remote:
            return latest_version(self.root)
        from kg2instruction.storage.publish import trusted_latest

        url = trusted_latest(str(self.root), self.options)
        return None if url is None else RemotePath(url)

    def version(self, name_or_location: str | Path) -> Location:
        if not self.remote:
            return Path(name_or_location)
        return RemotePath(str(name_or_location))

    def has_version(self, name: str) -> bool:
        if not self.remote:
            return (Path(self.root) / name).is_dir()
        from kg2instruction.storage.publish import is_complete

        return is_complete(str(self.root), name, self.options)

    def read(self, relative: str) -> str | None:
        return read_text(join(self.root, relative), self.options)

    def write(self, relative: str, text: str) -> None:
        write_text(join(self.root, relative), text, self.options)

    def remove(self, versions: list[str]) -> None:
        if not self.remote:
            from kg2instruction.core.published import Removal, remove

            remove(Removal(Path(self.root) / name, f"dataset version {name}")
                   for name in versions if (Path(self.root) / name).is_dir())
            return
        from kg2instruction.storage.publish import remove_version

        for name in versions:
            remove_version(str(self.root), name, self.options)


def _triples(folder: Location, options: dict[str, Any] | None = None
             ) -> Counter[tuple[Any, ...]]:
    with open_read(join(str(folder) if isinstance(folder, RemotePath) else folder,
                        "provenance.parquet"), options) as fh:
        table = pq.read_table(fh, columns=["theme", *TRIPLE_KEY])
    return Counter(tuple(row.values()) for row in table.to_pylist())


def _history(root: _Root) -> list[dict[str, Any]]:
    text = root.read(VERSIONS_FILE)
    return json.loads(text) if text is not None else []


def _previous_in_history(root: _Root, current: str) -> Location | None:
    names = [h["version"] for h in _history(root) if h["version"] != current]
    if not names or not root.has_version(names[-1]):
        return None
    return root.version(join(root.root, names[-1]))


def _write_changelog(root: _Root, version: str, previous: str | None,
                     changes: dict[str, dict[str, int]], kg_dump: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    entry = {"version": version, "previous": previous, "kg_dump": kg_dump, "published_at": now,
             "triples": changes}
    root.write(f"{CHANGELOG_DIR}/{version}.json",
               json.dumps(entry, indent=2, ensure_ascii=False) + "\n")
    history = [h for h in _history(root) if h["version"] != version]
    history.append({"version": version, "previous": previous, "kg_dump": kg_dump.get("name"),
                    "published_at": now})
    root.write(VERSIONS_FILE, json.dumps(history, indent=2) + "\n")
    lines = ["# Changelog", ""]
    for item in reversed(history):
        text = root.read(f"{CHANGELOG_DIR}/{item['version']}.json")
        if text is None:
            continue
        logged = json.loads(text)
        lines.append(f"## {item['version']} ({logged['published_at']}, KG dump "
                     f"{item.get('kg_dump')}; previous: {logged['previous'] or 'none'})")
        lines.append("")
        lines += [f"- {theme}: +{n['added']} / -{n['removed']} triples"
                  for theme, n in logged["triples"].items()] or ["- no triple changes"]
        lines.append("")
    root.write(CHANGELOG_MD, "\n".join(lines))


def _sources(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [{"kind": kind, "lang": source.lang, "name": source.shard_prefix,
             "file": dump_identity(pipeline.source_path(kind, index))}
            for kind in SOURCE_KINDS
            for index, source in enumerate(pipeline.source_files(kind))]

"""Changelog (triples added/removed per theme) and retention of dataset versions."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kg2instruction.dataset.export import LATEST
from kg2instruction.refresh.publish import (TRIPLE_KEY, VERSIONS_FILE, apply_retention,
                                            triple_changes)

LINCOLN = {"paragraph_id": "en:307:1", "head": "Lincoln", "head_qid": "Q91",
           "relation_en": "occupation", "pid": "P106", "direction": "forward", "tail": "lawyer",
           "tail_qid": "Q40348", "tail_value": None, "theme": "person"}


def _version(root: Path, name: str, triples: list[dict]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    columns = ["theme", *TRIPLE_KEY]
    pq.write_table(pa.table({c: pa.array([t[c] for t in triples], pa.string()) for c in columns}),
                   folder / "provenance.parquet")
    return folder


def test_changelog_counts_added_and_removed_per_theme(tmp_path):
    einstein = {**LINCOLN, "paragraph_id": "en:736:19", "head": "Einstein", "head_qid": "Q937",
                "relation_en": "achievement", "pid": "P166", "tail": "Copley Medal",
                "tail_qid": "Q28003"}
    aristotle = {**LINCOLN, "paragraph_id": "en:308:4", "head": "Aristotle", "head_qid": "Q868",
                 "tail": "politician", "tail_qid": "Q82955"}
    old = _version(tmp_path, "v1", [LINCOLN, einstein])
    new = _version(tmp_path, "v2", [LINCOLN, aristotle, {**aristotle, "theme": "works"}])
    assert triple_changes(old, new) == {"person": {"added": 1, "removed": 1},
                                        "works": {"added": 1, "removed": 0}}
    assert triple_changes(None, old) == {"person": {"added": 2, "removed": 0}}


def test_without_keep_no_version_is_deleted(tmp_path):
    for name in ("v1", "v2", "v3", "v4"):
        _version(tmp_path, name, [LINCOLN])
    (tmp_path / VERSIONS_FILE).write_text(json.dumps([{"version": n} for n in
                                                      ("v1", "v2", "v3", "v4")]))
    (tmp_path / LATEST).write_text("v4\n")
    assert apply_retention(tmp_path, keep=None) == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["v1", "v2", "v3", "v4"]


def test_retention_keeps_the_newest_and_never_latest(tmp_path):
    for name in ("v1", "v2", "v3", "v4"):
        _version(tmp_path, name, [LINCOLN])
    (tmp_path / VERSIONS_FILE).write_text(json.dumps([{"version": n} for n in
                                                      ("v1", "v2", "v3", "v4")]))
    (tmp_path / LATEST).write_text("v2\n")            # rolled back to v2 by an operator
    (tmp_path / ".v0.deleting").mkdir()               # a deletion a crash interrupted
    removed = apply_retention(tmp_path, keep=2)
    assert removed == ["v1"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["v2", "v3", "v4"]
    assert [h["version"] for h in json.loads((tmp_path / VERSIONS_FILE).read_text())] == \
        ["v2", "v3", "v4"]

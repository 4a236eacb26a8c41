"""The refresh on real data, end to end, with the faults a 3 a.m. run meets.

Version 1 = the real wikidata-mini dump; version 2 = the same dump with a claim removed, a claim
added and a label changed. The refresh must re-run only the paragraphs those edits touch
(counted), survive a SIGKILL and a full disk at publication (version 1 intact each time), and
publish a dataset equal, file for file, to a from-scratch run on version 2.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ..faults.conftest import run_kg2i
from .conftest import make_project, nli_model

pytestmark = pytest.mark.slow
THEME = "person"
VOLATILE = {"kg2i_summary.json", "README.md"}     # name the pipeline file / export time


def _refresh(pipeline: Path, dump: Path, fault: list[str] | None = None):
    return run_kg2i(["refresh", "run", "--pipeline", str(pipeline), "--theme", THEME,
                     "--wikidata-file", str(dump), "--keep", "2"], fault=fault,
                    cwd=pipeline.parents[1])


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in VOLATILE}


def _datasets(project: Path) -> Path:
    return project / "cache" / "rf" / "datasets" / THEME


def test_refresh_reruns_only_affected_paragraphs_and_equals_a_clean_run(
        tmp_path, refresh_dumps):
    model = nli_model()
    pipeline = make_project(tmp_path / "ops", refresh_dumps, refresh_dumps.v1, model)
    project = pipeline.parents[1]
    shutil.copy(refresh_dumps.v2, project / "dumps" / refresh_dumps.v2.name)
    v2_dump = project / "dumps" / refresh_dumps.v2.name

    first = _refresh(pipeline, project / "dumps" / refresh_dumps.v1.name)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "full (no completed previous run" in first.stdout
    v1_name = (_datasets(project) / "LATEST").read_text().strip()
    v1_tree = _tree(_datasets(project) / v1_name)

    # SIGKILL at the instant the new version folder would be renamed into place.
    killed = _refresh(pipeline, v2_dump, fault=["kill-at", "os:rename", "1"])
    assert killed.returncode == -9
    assert (_datasets(project) / "LATEST").read_text().strip() == v1_name
    assert _tree(_datasets(project) / v1_name) == v1_tree
    # A disk that fills up at publication (every file capped at 2 KiB from the moment the
    # dataset export starts; the dataset has larger files): a clean error, nothing published.
    full = _refresh(pipeline, v2_dump,
                    fault=["fsize-at", "kg2instruction.dataset.export:export_dataset", "2048"])
    assert full.returncode == 2, full.stderr[-3000:]
    assert "disk full" in full.stderr and "Traceback" not in full.stderr
    assert (_datasets(project) / "LATEST").read_text().strip() == v1_name
    assert _tree(_datasets(project) / v1_name) == v1_tree
    assert not [p for p in _datasets(project).iterdir() if p.name.endswith(".tmp")]

    resumed = _refresh(pipeline, v2_dump)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "incremental (only the KG changed" in resumed.stdout
    v2_name = (_datasets(project) / "LATEST").read_text().strip()
    assert v2_name != v1_name and _tree(_datasets(project) / v1_name) == v1_tree   # v1 kept

    refresh_root = project / "cache" / "rf" / "refresh"
    plan = json.loads((refresh_root / "affected" / f"{THEME}.json").read_text())
    diff = plan["diff"]
    assert diff["claims_added"] == 1 and diff["claims_removed"] == 1
    assert diff["labels_changed"] == 1
    affected = sum(len(ids) for ids in plan["affected"].values())
    assert 0 < affected < plan["paragraphs"]
    assert any(p.startswith("en:736:") for ids in plan["affected"].values() for p in ids)
    assert any(p.startswith("en:308:") for ids in plan["affected"].values() for p in ids)
    history = json.loads((refresh_root / "history.json").read_text())
    assert history[-1]["themes"][THEME]["paragraphs_affected"] == affected
    stages = history[-1]["themes"][THEME]["stages"]
    assert {"identify_mentions", "link_entities", "match_relations", "score_nli"} <= set(stages)
    for counts in stages.values():   # every shard accounted for; only affected rows recomputed
        assert counts["reused_shards"] + counts["spliced_shards"] + counts["recomputed_shards"] \
            == len(json.loads((project / "cache" / "rf" / "read_wikipedia").glob("*/_complete.json")
                              .__next__().read_text())["shards"])
        assert counts["recomputed_paragraphs"] <= affected
    assert sum(c["reused_shards"] for c in stages.values()) > 0          # some shards untouched
    changelog = json.loads((_datasets(project) / "changelog" / f"{v2_name}.json").read_text())
    assert changelog["previous"] == v1_name

    # From scratch on version 2, in another project: the same dataset, file for file.
    clean_pipeline = make_project(tmp_path / "clean", refresh_dumps, refresh_dumps.v2, model)
    ran = run_kg2i(["run", "--pipeline", str(clean_pipeline), "--theme", THEME],
                   cwd=clean_pipeline.parents[1])
    assert ran.returncode == 0, ran.stderr[-3000:]
    exported = run_kg2i(["export", "--pipeline", str(clean_pipeline), "--theme", THEME],
                        cwd=clean_pipeline.parents[1])
    assert exported.returncode == 0, exported.stderr[-3000:]
    clean = _datasets(clean_pipeline.parents[1])
    clean_name = (clean / "LATEST").read_text().strip()
    assert clean_name == v2_name
    assert _tree(clean / clean_name) == _tree(_datasets(project) / v2_name)
    print(json.dumps({"affected": affected, "paragraphs": plan["paragraphs"], "diff": diff,
                      "stages": stages}, indent=1))

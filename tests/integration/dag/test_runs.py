"""Whole runs with the local executor on the real enwiki sample: reuse, invalidation, force,
until, status and cache gc, all counted from the run manifest."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import yaml

from kg2instruction.cli import main as kg2i
from tests.integration.dag.conftest import manifest
from tests.integration.dag.project import parquet_bytes, run


def edit_stage(project: Path, stage: str, **changes: object) -> Path:
    path = project / "pipelines" / "test.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["stages"][stage].update(changes)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def computed(project: Path) -> dict[str, int]:
    return {name: s["shards_computed"] for name, s in manifest(project)["stages"].items()}


def test_first_run_reports_funnel_and_ingest_counts(enwiki_project: Path) -> None:
    stages = manifest(enwiki_project)["stages"]
    reader, tokens = stages["read_wikipedia"], stages["toy_tokens"]
    assert reader["shards_total"] == 6 and reader["counters"]["pages"] == 106
    assert reader["counters"]["paragraphs"] == reader["funnel"]["kept"]
    assert reader["counters"]["links"] > reader["funnel"]["kept"]
    assert tokens["funnel"]["records_in"] == reader["funnel"]["kept"]
    assert tokens["funnel"]["records_in"] - tokens["funnel"]["kept"] == \
        tokens["funnel"]["dropped"]["few_tokens"] > 0
    # rows really on disk match the manifest, no paragraph twice
    out = enwiki_project / tokens["output"]
    ids = [i for p in sorted(out.glob("*.parquet")) for i in pq.read_table(p)["paragraph_id"]
           .to_pylist()]
    assert len(ids) == len(set(ids)) == tokens["funnel"]["kept"]
    histogram = stages["toy_histogram"]
    assert sum(pq.read_table(next((enwiki_project / histogram["output"]).glob("*.parquet")))
               ["paragraphs"].to_pylist()) == tokens["funnel"]["kept"]


def test_rerun_does_no_work(enwiki_project: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (enwiki_project / "cache").rglob("shard-*")}
    assert run(enwiki_project / "pipelines" / "test.yaml") == 0
    assert computed(enwiki_project) == {"read_wikipedia": 0, "toy_tokens": 0, "toy_histogram": 0}
    assert all(s["shards_reused"] == s["shards_total"] > 0
               for s in manifest(enwiki_project)["stages"].values())
    assert {p: p.stat().st_mtime_ns for p in (enwiki_project / "cache").rglob("shard-*")} == before


def test_changed_threshold_reruns_that_stage_and_descendants_only(enwiki_project: Path) -> None:
    old = manifest(enwiki_project)["stages"]
    assert run(edit_stage(enwiki_project, "toy_tokens", min_tokens=80)) == 0
    new = manifest(enwiki_project)["stages"]
    assert computed(enwiki_project) == {"read_wikipedia": 0, "toy_tokens": 6, "toy_histogram": 1}
    assert new["read_wikipedia"]["fingerprint"] == old["read_wikipedia"]["fingerprint"]
    assert new["toy_tokens"]["output"] != old["toy_tokens"]["output"]
    assert new["toy_tokens"]["funnel"]["kept"] < old["toy_tokens"]["funnel"]["kept"]
    # a downstream-only change leaves the upstream alone
    assert run(edit_stage(enwiki_project, "toy_histogram", bucket=25)) == 0
    assert computed(enwiki_project) == {"read_wikipedia": 0, "toy_tokens": 0, "toy_histogram": 1}


def test_execution_knob_change_reuses_everything(enwiki_project: Path) -> None:
    assert run(edit_stage(enwiki_project, "toy_tokens", sleep_seconds=0.01)) == 0
    assert sum(computed(enwiki_project).values()) == 0


def test_force_recomputes_one_stage_to_the_same_bytes(enwiki_project: Path) -> None:
    before = parquet_bytes(enwiki_project / "cache" / "test")
    assert run(enwiki_project / "pipelines" / "test.yaml", "--force", "toy_tokens") == 0
    assert computed(enwiki_project) == {"read_wikipedia": 0, "toy_tokens": 6, "toy_histogram": 0}
    assert parquet_bytes(enwiki_project / "cache" / "test") == before


def test_until_stops_after_the_named_stage(enwiki_project: Path) -> None:
    path = edit_stage(enwiki_project, "toy_histogram", bucket=7)
    assert run(path, "--until", "toy_tokens") == 0
    assert set(manifest(enwiki_project)["stages"]) == {"read_wikipedia", "toy_tokens"}


def test_status_and_cache_gc(enwiki_project: Path, capsys) -> None:
    path = enwiki_project / "pipelines" / "test.yaml"
    old_dirs = set((enwiki_project / "cache" / "test" / "toy_tokens").iterdir())
    assert run(edit_stage(enwiki_project, "toy_tokens", min_tokens=70)) == 0
    capsys.readouterr()
    assert kg2i(["status", "--pipeline", str(path), "--theme", "person"]) == 0
    status = capsys.readouterr().out
    assert status.count("│ done") == 3 and "6/6" in status and "1/1" in status

    assert kg2i(["cache", "gc", "--pipeline", str(path), "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert "would remove 2 unreferenced outputs" in listed
    assert all(d.exists() for d in old_dirs)
    assert kg2i(["cache", "gc", "--pipeline", str(path)]) == 0
    assert not any(d.exists() for d in old_dirs)
    assert run(path) == 0 and sum(computed(enwiki_project).values()) == 0

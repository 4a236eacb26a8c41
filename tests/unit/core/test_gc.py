"""`kg2i cache gc` never looks inside the run dir's own folders, whatever names it is given."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.core.gc import collect_garbage, stage_names
from kg2instruction.core.manifest import Funnel, RunManifest, StageReport, manifest_path
from kg2instruction.core.published import ADAPTERS, DATASETS, EVAL
from kg2instruction.core.run_layout import RESERVED_RUN_DIRS

KEPT, STALE = "a" * 16, "b" * 16


def _report(fingerprint: str) -> StageReport:
    return StageReport(kind="map", version="1", fingerprint=fingerprint + "0" * 48, output="x",
                       requires=[], shards_total=1, shards_computed=1, shards_reused=0,
                       wall_seconds=0.0, worker_seconds=0.0, rows_in={}, funnel=Funnel(),
                       counters={})


def test_reserved_folders_are_never_stage_names_and_never_collected(tmp_path: Path) -> None:
    assert {DATASETS, ADAPTERS, EVAL} <= RESERVED_RUN_DIRS
    # a manifest (hand-edited, or from before names were checked) records a stage `datasets`
    manifest = RunManifest(pipeline="p", pipeline_file="p.yaml", theme="person", seed=0,
                           executor="local", started_at="now",
                           stages={"toy": _report(KEPT), DATASETS: _report(KEPT)})
    manifest.write(manifest_path(tmp_path, "person"))
    for name in ("toy", *sorted(RESERVED_RUN_DIRS - {"manifests"})):
        for fingerprint in (KEPT, STALE):      # folders shaped like stage outputs
            (tmp_path / name / fingerprint).mkdir(parents=True)

    names = stage_names([manifest], configured=["toy", EVAL, ADAPTERS])
    assert "toy" in names and not names & RESERVED_RUN_DIRS
    removed = collect_garbage(tmp_path, dry_run=False, configured=[EVAL, ADAPTERS, "reports"])
    assert removed == [tmp_path / "toy" / STALE]
    for name in RESERVED_RUN_DIRS - {"manifests"}:
        assert (tmp_path / name / STALE).is_dir(), name

"""Read a finished run's stage outputs through its manifest (for export, report and notebook).

The manifest (`<cache>/<run>/manifests/<theme>.json`) names each stage's output directory; a
stage output is read only when the framework marked it complete, so a report never mixes a
half-written stage into its numbers.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa

from kg2instruction.core.manifest import RunManifest, StageReport, manifest_path, read_manifests
from kg2instruction.core.shard_store import ShardStore
from kg2instruction.errors import InputError


@dataclass(frozen=True)
class RunOutputs:
    """One theme's run: its manifest, the project root its paths are relative to, and all
    manifests of the run directory (for per-theme counts)."""

    manifest: RunManifest
    base_dir: Path
    manifest_file: Path
    all_manifests: tuple[RunManifest, ...] = ()

    def has(self, stage: str) -> bool:
        report = self.manifest.stages.get(stage)
        return report is not None and (self.base_dir / report.output / "_complete.json").is_file()

    def report(self, stage: str) -> StageReport:
        """The manifest entry of `stage`; a run without it is an input error naming the run."""
        report = self.manifest.stages.get(stage)
        if report is None:
            raise InputError(self.manifest_file,
                             f"run {self.manifest.pipeline!r} has no stage {stage!r}; list it "
                             f"under `stages:` and rerun (stages run: "
                             f"{', '.join(self.manifest.stages) or 'none'})")
        return report

    def output_dir(self, stage: str) -> Path:
        return self.base_dir / self.report(stage).output

    def fingerprint(self, stage: str) -> str:
        return self.report(stage).fingerprint

    def table(self, stage: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Every shard of a completed stage output, concatenated in shard order."""
        folder = self.output_dir(stage)
        complete = folder / "_complete.json"
        if not complete.is_file():
            raise InputError(folder, f"stage {stage!r} is not complete; run the pipeline first")
        shards = [s["id"] for s in orjson.loads(complete.read_bytes())["shards"]]
        tables = [ShardStore.read_parquet(folder, s, columns) for s in shards]
        if not tables:
            raise InputError(folder, f"stage {stage!r} has no shards")
        return pa.concat_tables(tables, promote_options="default")


def load_run(run_dir: str | Path, theme: str, base_dir: str | Path) -> RunOutputs:
    """The run of `theme` in `run_dir` (= <cache>/<pipeline name>)."""
    run_dir = Path(run_dir)
    manifests = read_manifests(run_dir)
    mine = [m for m in manifests if m.theme == theme]
    if not mine:
        raise InputError(manifest_path(run_dir, theme),
                         f"no run manifest for theme {theme!r}; run `kg2i run --theme {theme}` "
                         f"first (themes with a run: "
                         f"{', '.join(m.theme for m in manifests) or 'none'})")
    return RunOutputs(mine[0], Path(base_dir), manifest_path(run_dir, theme), tuple(manifests))


def load_pipeline_run(pipeline_file: str | Path, theme: str) -> RunOutputs:
    """`load_run` for the run a pipeline file describes."""
    from kg2instruction.config.pipeline import load_pipeline

    pipeline = load_pipeline(pipeline_file)
    return load_run(pipeline.cache_root / pipeline.name, theme, pipeline.base_dir)

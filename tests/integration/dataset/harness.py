"""Run the dataset stages through the framework's own shard runner on hand-built upstream tables.

The annotation stages upstream of sampling need the whole KG pipeline; here their outputs are
written as finished shards (ShardStore, the framework's only writer), and `sample_paragraphs`,
`build_records`, `make_instructions` run through `run_shard`, exactly as `kg2i run` would run them.
The run manifest is assembled from the shard stats with the framework's `summarize_shards`, so
`kg2i export`, `kg2i report` and the notebook read a run indistinguishable from a real one.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from kg2instruction.core.fingerprint import digest
from kg2instruction.core.manifest import (Funnel, RunManifest, StageReport, manifest_path,
                                          summarize_shards)
from kg2instruction.core.registry import stage_ref
from kg2instruction.core.run_shard import run_shard
from kg2instruction.core.shard_store import ShardStats, ShardStore
from kg2instruction.core.stage import Stage
from kg2instruction.core.work import StageSpec, UpstreamOutput, WholeUnit
from kg2instruction.stages.build_records import BuildRecords
from kg2instruction.stages.make_instructions import MakeInstructions
from kg2instruction.stages.sample_paragraphs import SampleParagraphs

REPO = Path(__file__).resolve().parents[3]
RUN_NAME = "fixture_run"
SEED = 13


@dataclass
class FixtureRun:
    project: Path
    theme: Any
    pipeline_file: Path
    outputs: dict[str, UpstreamOutput] = field(default_factory=dict)
    reports: dict[str, StageReport] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return self.project / "cache" / RUN_NAME

    def table(self, stage: str) -> pa.Table:
        out = self.outputs[stage]
        return pa.concat_tables([ShardStore.read_parquet(out.dir, s) for s in out.shards])


def make_project(root: Path) -> Path:
    """A project dir: themes (copied), the bundled sample dumps (linked), a pipeline file."""
    (root / "themes").mkdir(parents=True)
    for name in ("person.yaml", "entity_types.yaml"):
        shutil.copy(REPO / "themes" / name, root / "themes" / name)
    (root / "data").mkdir()
    for name in ("enwiki-sample.xml.bz2", "zhwiki-sample.xml", "wikidata-mini.json.bz2"):
        os.symlink(REPO / "pipelines" / "sample" / name, root / "data" / name)
    (root / "pipelines").mkdir()
    doc = {"name": RUN_NAME, "base_dir": "..", "cache": "cache", "seed": SEED,
           "languages": ["en", "zh"],
           "sources": {"wikipedia": [{"path": "data/enwiki-sample.xml.bz2", "lang": "en"},
                                     {"path": "data/zhwiki-sample.xml", "lang": "zh"}],
                       "wikidata": {"path": "data/wikidata-mini.json.bz2"}},
           "stages": {}}
    path = root / "pipelines" / "fixture.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def write_upstream(run: FixtureRun, name: str, table: pa.Table) -> None:
    """An upstream stage output as the framework leaves it: shard, stats, done marker, complete."""
    store = ShardStore(run.run_dir / name, digest({"fixture": name}))
    store.write_shard(table, ShardStats(shard_id="00000", lang=None, rows_out=table.num_rows))
    store.mark_complete({"00000": None})
    run.outputs[name] = UpstreamOutput(store.dir, ("00000",))
    run.reports[name] = _report(run, name, "map", store, [], ())


def run_stage(run: FixtureRun, cls: type[Stage], config: dict[str, Any]) -> None:
    validated = cls.Config.model_validate(config)
    fingerprint = digest({"stage": cls.name, "config": validated.model_dump(mode="json"),
                          "upstream": {r: run.reports[r].fingerprint for r in cls.requires}})
    store = ShardStore(run.run_dir / cls.name, fingerprint)
    spec = StageSpec(stage=cls.name, stage_ref=stage_ref(cls),
                     config=validated.model_dump(mode="json"), fingerprint=fingerprint,
                     out_dir=store.dir, theme=run.theme, languages=("en", "zh"), seed=SEED,
                     base_dir=run.project, inputs={r: run.outputs[r] for r in cls.requires},
                     reduce_rows_per_shard=500)
    outcomes = run_shard(spec, WholeUnit())
    store.mark_complete({o.shard_id: o.lang for o in outcomes})
    run.outputs[cls.name] = UpstreamOutput(store.dir, tuple(sorted(o.shard_id for o in outcomes)))
    run.reports[cls.name] = _report(run, cls.name, cls.kind, store,
                                    sorted(o.shard_id for o in outcomes), cls.requires)


def _report(run: FixtureRun, name: str, kind: str, store: ShardStore, shards: list[str],
            requires: tuple[str, ...]) -> StageReport:
    shards = shards or ["00000"]
    rows_in, funnel, counters, seconds = summarize_shards(store, shards,
                                                          requires[0] if requires else None)
    return StageReport(kind=kind, version="1", fingerprint=store.fingerprint,
                       output=os.path.relpath(store.dir, run.project), requires=list(requires),
                       shards_total=len(shards), shards_computed=len(shards), shards_reused=0,
                       wall_seconds=seconds, worker_seconds=seconds, rows_in=rows_in,
                       funnel=funnel if requires else Funnel(kept=funnel.kept),
                       counters=counters)


def run_dataset_stages(run: FixtureRun, upstream: dict[str, pa.Table],
                       stage_configs: dict[str, dict[str, Any]] | None = None) -> RunManifest:
    """Write the upstream tables, run the three dataset stages, write the run manifest."""
    stage_configs = stage_configs or {}
    for name, table in upstream.items():
        write_upstream(run, name, table)
    for cls in (SampleParagraphs, BuildRecords, MakeInstructions):
        run_stage(run, cls, stage_configs.get(cls.name, {}))
    manifest = RunManifest(pipeline=RUN_NAME, pipeline_file="pipelines/fixture.yaml",
                           theme=run.theme.theme, seed=SEED, executor="local",
                           status="complete", started_at="2026-01-01T00:00:00+00:00",
                           stages=dict(run.reports))
    manifest.write(manifest_path(run.run_dir, run.theme.theme))
    return manifest

"""Re-run only affected paragraphs: a Runner that pre-fills a changed stage from the previous run.

When only the KG changed, every KG-dependent stage gets a new fingerprint and would recompute
everything. Before such a *map* stage runs, this runner fills its new output directory shard by
shard from the same stage's output in the previous run:

  - a shard with no affected paragraph is reused as it is (hard link, new done marker);
  - a shard with some affected paragraphs is *spliced*: the stage processes only the affected
    paragraphs' input rows (read from the new run's upstream outputs, which are themselves
    complete by then) and their output replaces those paragraphs' old rows;
  - a shard whose paragraphs are all affected, or a stage whose tables are not keyed by
    `paragraph_id`, is left to the framework, which computes it in full.

Rows are sorted by the stage's key after the splice exactly as `run_shard` sorts them, and all rows
of a paragraph come from one side, so a spliced shard holds the rows a full recomputation would.
Reduce stages (sampling, records, instructions) always rerun: they are global and cheap.
Limit: the funnel counters of a spliced shard cover the recomputed paragraphs only.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kg2instruction.atomic import atomic_write_bytes
from kg2instruction.core.executors import Executor
from kg2instruction.core.fingerprint import derived_seed
from kg2instruction.core.manifest import RunManifest
from kg2instruction.core.progress import RunProgress
from kg2instruction.core.run_shard import ID_COLUMNS, base_context, prepare_stage, sort_rows
from kg2instruction.core.runner import PlannedStage, Runner, RunPlan
from kg2instruction.core.shard_store import ShardStats, ShardStore

PARAGRAPH_KEY = "paragraph_id"
AffectedByShard = dict[str, list[str]]          # shard id -> affected paragraph ids


@dataclass
class SpliceCounts:
    """Per stage: how its shards were produced in this refresh."""

    reused_shards: int = 0
    spliced_shards: int = 0
    recomputed_shards: int = 0
    recomputed_paragraphs: int = 0
    reused_paragraphs: int = 0


@dataclass
class PreviousRun:
    """The run a refresh starts from: its manifest and the project root its paths are under."""

    manifest: RunManifest
    base_dir: Path

    def output(self, stage: str, fingerprint_of_new: str) -> Path | None:
        """The previous output of `stage` if complete and different from the new one."""
        report = self.manifest.stages.get(stage)
        if report is None or report.fingerprint == fingerprint_of_new:
            return None
        folder = self.base_dir / report.output
        return folder if (folder / "_complete.json").is_file() else None


class IncrementalRunner(Runner):
    """`Runner` + pre-filling of changed map stages. `plan_affected` is called once, lazily, when
    the first changed map stage is reached (the new KG is built by then), and returns the
    affected paragraphs per shard."""

    def __init__(self, plan: RunPlan, executor: Executor, progress: RunProgress,
                 previous: PreviousRun, plan_affected: Callable[[Runner], AffectedByShard],
                 on_stage_counts: Callable[[str, SpliceCounts], None] | None = None) -> None:
        super().__init__(plan, executor, progress)
        self.previous = previous
        self.plan_affected = plan_affected
        self.on_stage_counts = on_stage_counts
        self.counts: dict[str, SpliceCounts] = {}
        self._affected: AffectedByShard | None = None

    def _run_stage(self, planned: PlannedStage) -> None:
        old_dir = self.previous.output(planned.node.name, planned.fingerprint)
        if (planned.node.cls.kind == "map" and old_dir is not None
                and planned.store.completed_shards() is None):
            if self._affected is None:
                self._affected = self.plan_affected(self)
            self._prefill(planned, old_dir, self._affected)
            if self.on_stage_counts is not None:
                self.on_stage_counts(planned.node.name, self.counts[planned.node.name])
        super()._run_stage(planned)

    def _prefill(self, planned: PlannedStage, old_dir: Path, affected: AffectedByShard) -> None:
        node, store = planned.node, planned.store
        counts = self.counts.setdefault(node.name, SpliceCounts())
        spec = self._spec(planned)
        for shard_id, lang in self._map_shards(node).items():
            if store.is_done(shard_id):
                continue
            old_parquet = old_dir / f"shard-{shard_id}.parquet"
            if not old_parquet.is_file():
                continue
            hit = affected.get(shard_id, [])
            old = ShardStore.read_parquet(old_dir, shard_id)
            spliceable = PARAGRAPH_KEY in old.column_names and all(
                PARAGRAPH_KEY in pq.read_schema(up.dir / f"shard-{shard_id}.parquet").names
                for up in spec.inputs.values())
            if not hit:
                _reuse(old_dir, store, shard_id)
                counts.reused_shards += 1
                counts.reused_paragraphs += _paragraph_count(old)
            elif spliceable and not _covers_all(hit, spec, shard_id):
                recomputed = self._splice(planned, spec, shard_id, lang, old, hit)
                counts.spliced_shards += 1
                counts.recomputed_paragraphs += recomputed
            else:
                counts.recomputed_shards += 1     # left to the framework: full recomputation

    def _splice(self, planned: PlannedStage, spec, shard_id: str, lang: str | None,
                old: pa.Table, hit: Sequence[str]) -> int:
        stage = prepare_stage(spec)
        ctx = base_context(spec).for_shard(shard_id, lang,
                                           derived_seed(spec.seed, spec.stage, shard_id))
        hit_ids = pa.array(sorted(hit), pa.string())
        full_inputs = {n: ShardStore.read_parquet(up.dir, shard_id)
                       for n, up in spec.inputs.items()}
        inputs = {n: t.filter(pc.is_in(t.column(PARAGRAPH_KEY), hit_ids))
                  for n, t in full_inputs.items()}
        fresh = stage.process(inputs, ctx)
        kept = old.filter(pc.invert(pc.is_in(old.column(PARAGRAPH_KEY), hit_ids)))
        if fresh.schema != kept.schema:
            fresh = fresh.cast(kept.schema)
        key = stage.key or tuple(c for c in ID_COLUMNS if c in kept.column_names)[:1]
        merged = sort_rows(pa.concat_tables([kept, fresh]), key, stage.name)
        counters = ctx.take_counters()
        counters["refresh_recomputed_paragraphs"] = len(hit)
        planned.store.write_shard(merged, ShardStats(
            shard_id=shard_id, lang=lang, rows_in={n: t.num_rows for n, t in full_inputs.items()},
            rows_out=merged.num_rows, counters=counters))
        return len(hit)


def _covers_all(hit: Sequence[str], spec, shard_id: str) -> bool:
    primary = next(iter(spec.inputs.values()))
    ids = set(ShardStore.read_parquet(primary.dir, shard_id, [PARAGRAPH_KEY])
              .column(PARAGRAPH_KEY).to_pylist())
    return ids <= set(hit)


def _paragraph_count(table: pa.Table) -> int:
    if PARAGRAPH_KEY not in table.column_names:
        return 0
    return len(pc.unique(table.column(PARAGRAPH_KEY)))


def _reuse(old_dir: Path, store: ShardStore, shard_id: str) -> None:
    """Publish the old shard under the new fingerprint: data, stats, then the done marker."""
    target = store.parquet(shard_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_name(f".{target.name}.{os.getpid()}.link")
        tmp.unlink(missing_ok=True)
        try:
            os.link(old_dir / target.name, tmp)
        except OSError:
            shutil.copyfile(old_dir / target.name, tmp)
        os.replace(tmp, target)
    atomic_write_bytes(store.stats_path(shard_id),
                       (old_dir / f"shard-{shard_id}.stats.json").read_bytes(), sync_dir=False)
    atomic_write_bytes(store.done_path(shard_id), store.fingerprint.encode())

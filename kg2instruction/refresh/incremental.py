"""Re-run only affected paragraphs: a Runner that pre-fills a changed stage from the previous run.

When the KG or a Wikipedia dump changed, every stage downstream gets a new fingerprint and would
recompute everything. Before such a *map* stage runs, this runner fills its new output directory
shard by shard from the same stage's output in the previous run, following a `ReusePlan`
(page_diff.py: per new shard, the paragraphs to recompute and the previous shards holding the
rest, matched by page, as a new dump can move pages between shards):

  - a shard that is *intact* (the previous shard of the same id holds exactly its paragraphs, none
    to recompute) is reused as it is (hard link, new done marker);
  - otherwise it is *spliced*: the stage processes only the paragraphs to recompute (input rows
    read from the new run's upstream outputs, complete by then), and the other paragraphs' rows
    are taken from the previous shards that hold them;
  - a shard with nothing to take from the previous run, or a stage whose tables are not keyed by
    `paragraph_id`, is left to the framework, which computes it in full.

Rows are sorted by the stage's key after the splice exactly as `run_shard` sorts them, and all rows
of a paragraph (indeed of a page) come from one side, so a spliced shard holds the rows a full
recomputation would. Seeded map stages (their output depends on the shard id) take rows from the
same shard id only. Reduce stages (sampling, records, instructions) always rerun.
Limit: the funnel counters of a spliced shard cover the recomputed paragraphs only.
"""
from __future__ import annotations

import os
import shutil
import time
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
from kg2instruction.refresh.page_diff import ReusePlan, ShardReuse

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
    """`Runner` + pre-filling of changed map stages. `plan_reuse` is called once, lazily, when
    the first changed map stage is reached (the new KG and the new paragraphs exist by then),
    and returns how each shard of the new run is assembled."""

    def __init__(self, plan: RunPlan, executor: Executor, progress: RunProgress,
                 previous: PreviousRun, plan_reuse: Callable[[Runner], ReusePlan],
                 on_stage_counts: Callable[[str, SpliceCounts], None] | None = None) -> None:
        super().__init__(plan, executor, progress)
        self.previous = previous
        self.plan_reuse = plan_reuse
        self.on_stage_counts = on_stage_counts
        self.counts: dict[str, SpliceCounts] = {}
        self._reuse_plan: ReusePlan | None = None

    def _run_stage(self, planned: PlannedStage) -> None:
        old_dir = self.previous.output(planned.node.name, planned.fingerprint)
        started = time.perf_counter()
        prefilled = (planned.node.cls.kind == "map" and old_dir is not None
                     and planned.store.completed_shards() is None)
        if prefilled:
            if self._reuse_plan is None:
                self._reuse_plan = self.plan_reuse(self)
            self._prefill(planned, old_dir, self._reuse_plan)
            if self.on_stage_counts is not None:
                self.on_stage_counts(planned.node.name, self.counts[planned.node.name])
        seconds = time.perf_counter() - started
        super()._run_stage(planned)
        if prefilled:     # the stage's wall time includes its splices (and the plan, if first)
            report = self.manifest.stages[planned.node.name]
            report.wall_seconds = round(report.wall_seconds + seconds, 3)

    def source_dir(self) -> Path:
        """The new run's paragraphs (the source stage's output)."""
        name = next(n for n in self.plan.dag.order if self.plan.stages[n].node.cls.kind == "source")
        return self.outputs[name].dir

    def _prefill(self, planned: PlannedStage, old_dir: Path, plan: ReusePlan) -> None:
        node, store = planned.node, planned.store
        counts = self.counts.setdefault(node.name, SpliceCounts())
        spec = self._spec(planned)
        for shard_id, lang in self._map_shards(node).items():
            if store.is_done(shard_id):
                continue
            reuse = plan.get(shard_id) or ShardReuse()
            paragraphs = _paragraph_ids(self.source_dir(), shard_id)
            kept_ids = sorted(set(paragraphs) - set(reuse.recompute))
            if reuse.intact and reuse.sources == [shard_id] \
                    and (old_dir / f"shard-{shard_id}.parquet").is_file():
                _reuse(old_dir, store, shard_id)
                counts.reused_shards += 1
                counts.reused_paragraphs += len(paragraphs)
                continue
            if not _spliceable(old_dir, spec, shard_id, reuse, kept_ids, node.cls.seeded):
                counts.recomputed_shards += 1     # left to the framework: full recomputation
                counts.recomputed_paragraphs += len(paragraphs)
                continue
            olds = [ShardStore.read_parquet(old_dir, s) for s in reuse.sources]
            recompute = sorted(set(paragraphs) - set(kept_ids))
            self._splice(planned, spec, shard_id, lang, olds, kept_ids, recompute)
            counts.spliced_shards += 1
            counts.recomputed_paragraphs += len(recompute)
            counts.reused_paragraphs += len(kept_ids)

    def _splice(self, planned: PlannedStage, spec, shard_id: str, lang: str | None,
                olds: Sequence[pa.Table], kept_ids: Sequence[str],
                recompute: Sequence[str]) -> None:
        stage = prepare_stage(spec)
        ctx = base_context(spec).for_shard(shard_id, lang,
                                           derived_seed(spec.seed, spec.stage, shard_id))
        kept_array = pa.array(kept_ids, pa.string())
        kept = pa.concat_tables([old.filter(pc.is_in(old.column(PARAGRAPH_KEY), kept_array))
                                 for old in olds])
        full_inputs = {n: ShardStore.read_parquet(up.dir, shard_id)
                       for n, up in spec.inputs.items()}
        parts = [kept]
        if recompute:
            hit_ids = pa.array(recompute, pa.string())
            inputs = {n: t.filter(pc.is_in(t.column(PARAGRAPH_KEY), hit_ids))
                      for n, t in full_inputs.items()}
            fresh = stage.process(inputs, ctx)
            parts.append(fresh if fresh.schema == kept.schema else fresh.cast(kept.schema))
        key = stage.key or tuple(c for c in ID_COLUMNS if c in kept.column_names)[:1]
        merged = sort_rows(pa.concat_tables(parts), key, stage.name)
        counters = ctx.take_counters()
        counters["refresh_recomputed_paragraphs"] = len(recompute)
        planned.store.write_shard(merged, ShardStats(
            shard_id=shard_id, lang=lang, rows_in={n: t.num_rows for n, t in full_inputs.items()},
            rows_out=merged.num_rows, counters=counters))


def _spliceable(old_dir: Path, spec, shard_id: str, reuse: ShardReuse,
                kept_ids: Sequence[str], seeded: bool) -> bool:
    """Rows to keep, every previous shard holding them present, and every table involved keyed
    by paragraph. A seeded stage's rows depend on the shard id: kept only from the same id."""
    if not kept_ids or not reuse.sources or (seeded and reuse.sources != [shard_id]):
        return False
    olds = [old_dir / f"shard-{s}.parquet" for s in reuse.sources]
    ups = [up.dir / f"shard-{shard_id}.parquet" for up in spec.inputs.values()]
    return all(p.is_file() for p in olds) and all(
        PARAGRAPH_KEY in pq.read_schema(p).names for p in olds + ups)


def reuse_from_affected(shards: Sequence[str], affected: AffectedByShard) -> ReusePlan:
    """The plan when the paragraphs did not change (only the KG): every shard from itself."""
    return {s: ShardReuse(sorted(affected.get(s, [])), [s], not affected.get(s))
            for s in shards}


def _paragraph_ids(source_dir: Path, shard_id: str) -> list[str]:
    path = source_dir / f"shard-{shard_id}.parquet"
    if not path.is_file():
        return []
    return pq.read_table(path, columns=[PARAGRAPH_KEY]).column(PARAGRAPH_KEY).to_pylist()


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

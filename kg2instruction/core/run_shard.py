"""`run_shard`: the one code path that executes stage work, whatever the executor.

The local executor calls it in-process (or in a process pool), the Ray executor inside a task or
an actor; because reading inputs, calling the stage, ordering rows and writing outputs all
happen here, every executor produces the same bytes.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kg2instruction.atomic import atomic_path
from kg2instruction.core.context import StageContext
from kg2instruction.core.fingerprint import derived_seed
from kg2instruction.core.registry import resolve_stage_ref
from kg2instruction.core.shard_store import ARTIFACT, ShardStats, ShardStore
from kg2instruction.core.stage import ArtifactStage, MapStage, ReduceStage, SourceStage, Stage
from kg2instruction.core.work import MapUnit, ShardOutcome, SourceUnit, StageSpec, Unit

# Columns that identify rows, most specific first: the default output order.
ID_COLUMNS = ("triple_id", "mention_id", "paragraph_id")

OnShard = Callable[[ShardOutcome], None]

# Set-up stages per worker process, so `setup()` (model loading) runs once per process. Keyed by
# fingerprint and output dir: two pipelines in one process may share a fingerprint, not a cache.
_PREPARED: dict[tuple[str, Path], Stage] = {}


def base_context(spec: StageSpec) -> StageContext:
    return StageContext(stage=spec.stage, shard_id=None, lang=None, languages=spec.languages,
                        seed=derived_seed(spec.seed, spec.stage, ""), theme=spec.theme,
                        artifacts=spec.artifacts, base_dir=spec.base_dir)


def prepare_stage(spec: StageSpec) -> Stage:
    """Instantiate and set up the stage once per process, fingerprint and output dir."""
    key = (spec.fingerprint, spec.out_dir)
    if key not in _PREPARED:
        cls = resolve_stage_ref(spec.stage_ref)
        stage = cls(cls.Config.model_validate(spec.config))
        stage.setup(base_context(spec))
        _PREPARED[key] = stage
    return _PREPARED[key]


def run_shard(spec: StageSpec, unit: Unit, on_shard: OnShard | None = None) -> list[ShardOutcome]:
    """Run one unit of work and publish its shards; returns what was produced or found done."""
    stage, ctx = prepare_stage(spec), base_context(spec)
    store = ShardStore.in_worker(spec.out_dir.parent, spec.fingerprint)
    if isinstance(unit, MapUnit):
        outcomes = [_run_map(stage, ctx, spec, store, unit)]
    elif isinstance(unit, SourceUnit):
        outcomes = _run_source(stage, ctx, spec, store, unit, on_shard)
    elif isinstance(stage, ReduceStage):
        outcomes = _run_reduce(stage, ctx, spec, store)
    else:
        outcomes = [_run_artifact(stage, ctx, spec, store)]
    if on_shard is not None and not isinstance(unit, SourceUnit):
        for outcome in outcomes:
            on_shard(outcome)
    return outcomes


def _run_map(stage: Stage, base: StageContext, spec: StageSpec, store: ShardStore,
             unit: MapUnit) -> ShardOutcome:
    assert isinstance(stage, MapStage)
    if store.is_done(unit.shard_id):
        return ShardOutcome(unit.shard_id, unit.lang, computed=False)
    started = time.perf_counter()
    ctx = base.for_shard(unit.shard_id, unit.lang,
                         derived_seed(spec.seed, spec.stage, unit.shard_id))
    inputs = {name: ShardStore.read_parquet(up.dir, unit.shard_id)
              for name, up in spec.inputs.items()}
    table = _checked_output(stage, stage.process(inputs, ctx))
    stats = ShardStats(shard_id=unit.shard_id, lang=unit.lang,
                       rows_in={n: t.num_rows for n, t in inputs.items()},
                       rows_out=table.num_rows, counters=ctx.take_counters())
    stats.seconds = round(time.perf_counter() - started, 6)
    store.write_shard(table, stats)
    return ShardOutcome(unit.shard_id, unit.lang, computed=True)


def _run_source(stage: Stage, base: StageContext, spec: StageSpec, store: ShardStore,
                unit: SourceUnit, on_shard: OnShard | None) -> list[ShardOutcome]:
    """Stream the source; shards already done (an earlier, interrupted run) are not rewritten."""
    assert isinstance(stage, SourceStage)
    prefix = unit.source.shard_prefix
    ctx = base.for_shard(None, unit.source.lang, derived_seed(spec.seed, spec.stage, prefix))
    outcomes: list[ShardOutcome] = []
    started = time.perf_counter()
    for index, raw in enumerate(stage.read(unit.source, unit.path, ctx)):
        shard_id = f"{prefix}-{index:05d}"
        counters = ctx.take_counters()
        outcome = ShardOutcome(shard_id, unit.source.lang, computed=not store.is_done(shard_id))
        if outcome.computed:
            table = _checked_output(stage, raw)
            stats = ShardStats(shard_id=shard_id, lang=unit.source.lang, rows_out=table.num_rows,
                               counters=counters,
                               seconds=round(time.perf_counter() - started, 6))
            store.write_shard(table, stats)
        outcomes.append(outcome)
        if on_shard is not None:
            on_shard(outcome)
        started = time.perf_counter()
    return outcomes


def _run_reduce(stage: ReduceStage, base: StageContext, spec: StageSpec,
                store: ShardStore) -> list[ShardOutcome]:
    started = time.perf_counter()
    ctx = base.for_shard(None, None, derived_seed(spec.seed, spec.stage, "*"))
    inputs = {name: _concat([ShardStore.read_parquet(up.dir, s) for s in up.shards])
              for name, up in spec.inputs.items()}
    table = _checked_output(stage, stage.process(inputs, ctx))
    size = spec.reduce_rows_per_shard
    pieces = [table.slice(start, size) for start in range(0, table.num_rows, size)] or [table]
    counters = ctx.take_counters()
    outcomes = []
    for index, piece in enumerate(pieces):
        shard_id = f"{index:05d}"
        if store.is_done(shard_id):
            outcomes.append(ShardOutcome(shard_id, None, computed=False))
            continue
        first = index == 0   # stage-wide numbers are booked once, on the first shard
        stats = ShardStats(shard_id=shard_id, lang=None,
                           rows_in={n: t.num_rows for n, t in inputs.items()} if first else {},
                           rows_out=piece.num_rows, counters=counters if first else {},
                           seconds=round(time.perf_counter() - started, 6) if first else 0.0)
        store.write_shard(piece, stats)
        outcomes.append(ShardOutcome(shard_id, None, computed=True))
    return outcomes


def _run_artifact(stage: Stage, base: StageContext, spec: StageSpec,
                  store: ShardStore) -> ShardOutcome:
    assert isinstance(stage, ArtifactStage)
    if store.is_done(ARTIFACT):
        return ShardOutcome(ARTIFACT, None, computed=False)
    started = time.perf_counter()
    ctx = base.for_shard(None, None, derived_seed(spec.seed, spec.stage, ARTIFACT))
    _remove_tree(store.artifact_dir)     # a half-published build from a crashed run
    with atomic_path(store.artifact_dir) as tmp:
        tmp.unlink()
        tmp.mkdir()
        built = dict(stage.build(spec.source_paths, tmp, ctx))
    counters = {**built, **ctx.take_counters()}
    store.write_shard(None, ShardStats(shard_id=ARTIFACT, lang=None, counters=counters,
                                       seconds=round(time.perf_counter() - started, 6)))
    return ShardOutcome(ARTIFACT, None, computed=True)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """All shards of an upstream in shard order (an upstream without shards gives no columns)."""
    return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})


def _checked_output(stage: Stage, table: object) -> pa.Table:
    if not isinstance(table, pa.Table):
        raise TypeError(f"stage {stage.name!r} returned {type(table).__name__}, "
                        "expected a pyarrow.Table")
    return sort_rows(table, stage.key or tuple(c for c in ID_COLUMNS
                                               if c in table.column_names)[:1], stage.name)


def sort_rows(table: pa.Table, key: tuple[str, ...], stage: str) -> pa.Table:
    """Stable sort by the stage's key: row order never depends on how work was scheduled."""
    missing = [k for k in key if k not in table.column_names]
    if missing:
        raise ValueError(f"stage {stage!r} declares key {key} but its output lacks {missing}")
    if not key or table.num_rows < 2:
        return table
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in key])
    return table.take(order)


def _remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


"""Plan a run (validate everything, compute fingerprints: no writes), then execute it stage by stage.

Stages run in topological order with a barrier between them; within a stage, units run in
parallel on the executor. A stage whose output directory is complete is reused without touching
the executor; a partly done one resumes with the shards that lack a done marker. An executor that
streams (Ray, by default) lifts the barrier: `core.streaming` hands a shard to the next stage as
soon as it is done, and records the same outputs, markers and manifest.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg2instruction.config.pipeline import Pipeline, load_pipeline
from kg2instruction.core.context import ArtifactRef
from kg2instruction.core.dag import Dag, StageNode, build_dag
from kg2instruction.core.executors import Executor, StageJob
from kg2instruction.core.executors.base import StreamingExecutor
from kg2instruction.core.fingerprint import stage_fingerprint, theme_subset
from kg2instruction.core.manifest import (RunManifest, StageReport, manifest_path,
                                          summarize_shards)
from kg2instruction.core.progress import RunProgress, summary_of
from kg2instruction.core.registry import load_plugins, stage_ref
from kg2instruction.core.shard_store import ARTIFACT, ShardStats, ShardStore
from kg2instruction.core.stage import ArtifactStage
from kg2instruction.core.theme_ref import ThemeRef, load_theme_ref
from kg2instruction.core.work import (MapUnit, ShardOutcome, SourceUnit, StageSpec, Unit,
                                      UpstreamOutput, WholeUnit)
from kg2instruction.errors import ConfigError
from kg2instruction.kg.dump_identity import dump_identity


@dataclass(frozen=True)
class PlannedStage:
    node: StageNode
    fingerprint: str
    store: ShardStore


@dataclass(frozen=True)
class RunPlan:
    pipeline: Pipeline
    theme: ThemeRef
    dag: Dag
    stages: dict[str, PlannedStage]

    @property
    def run_dir(self) -> Path:
        return self.pipeline.cache_root / self.pipeline.name


def plan_run(pipeline_file: str | Path, theme: str, *, until: str | None = None,
             force: Sequence[str] = (), overlay: str | Path | None = None) -> RunPlan:
    """Validate pipeline, stages, theme and inputs; compute every fingerprint. Writes nothing.

    `overlay` (a granularity overlay file, e.g. from `--overlay`) replaces the pipeline's own
    `overlay:`; like every configured path it must lie inside the project."""
    pipeline = load_pipeline(pipeline_file)
    load_plugins(pipeline.config.plugins, str(pipeline.file), pipeline.base_dir)
    dag = build_dag(pipeline)
    for option, names in (("--until", [until] if until else []), ("--force", list(force))):
        for name in names:
            if name not in dag.nodes:
                raise ConfigError(f"{option} {name!r}: no such stage in this pipeline "
                                  f"(stages: {', '.join(dag.order)})", path=pipeline.file)
    if until:
        dag = dag.until(until)
    overlay_path = pipeline.overlay if overlay is None else _confined_cli_path(pipeline, overlay)
    theme_ref = load_theme_ref(theme, pipeline.themes_dir, overlay_path)
    planned: dict[str, PlannedStage] = {}
    for name in dag.order:
        node = dag[name]
        cls = node.cls
        fingerprint = stage_fingerprint(
            name=name, version=cls.version, config=node.config,
            theme=theme_subset(theme_ref.theme, cls.theme_fields),
            upstream={r: planned[r].fingerprint for r in cls.requires},
            inputs=_input_identities(pipeline, cls.sources) + _file_field_digests(pipeline, node)
            + cls.external_inputs(node.config),
            seed=pipeline.config.seed if cls.seeded else None,
            layout={"languages": pipeline.config.languages,
                    "rows_per_shard": pipeline.config.reduce_rows_per_shard
                    if cls.kind == "reduce" else None})
        planned[name] = PlannedStage(node, fingerprint,
                                     ShardStore(pipeline.cache_root / pipeline.name / name,
                                                fingerprint,
                                                pipeline.cache_mirror(name, fingerprint)))
    return RunPlan(pipeline, theme_ref, dag, planned)


def _confined_cli_path(pipeline: Pipeline, given: str | Path) -> Path:
    """A path from the command line (relative to the working directory), kept in the project."""
    resolved = pipeline.confined(str(Path(given).absolute()), ("overlay",))
    if not resolved.is_file():
        raise ConfigError(f"overlay file {str(given)!r} not found", key="overlay")
    return resolved


def _input_identities(pipeline: Pipeline, kinds: Sequence[str]) -> list[dict[str, Any]]:
    identities = []
    for kind in kinds:
        for index, source in enumerate(pipeline.source_files(kind)):
            identities.append({"kind": kind, "lang": source.lang, "name": source.shard_prefix,
                               "format": source.format,
                               "file": dump_identity(pipeline.source_path(kind, index))})
    return identities


def _file_field_digests(pipeline: Pipeline, node: StageNode) -> list[dict[str, Any]]:
    """Content hashes of the project files a stage's config names (small config tables)."""
    digests = []
    for field in node.cls.file_fields:
        value = getattr(node.config, field)
        if value is None:
            continue
        loc = ("stages", node.name, field)
        path = pipeline.confined(str(value), loc)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", path=pipeline.file,
                              line=pipeline.line_of(*loc), key=".".join(loc)) from None
        digests.append({"field": field, "sha256": hashlib.sha256(content).hexdigest()})
    return digests


class Runner:
    """Executes a plan on an executor, keeping the manifest current after every stage."""

    def __init__(self, plan: RunPlan, executor: Executor, progress: RunProgress,
                 force: Sequence[str] = ()) -> None:
        self.plan = plan
        self.executor = executor
        self.progress = progress
        self.force = set(force)
        self.outputs: dict[str, UpstreamOutput] = {}
        self.artifacts: dict[str, ArtifactRef] = {}
        self._langs: dict[str, dict[str, str | None]] = {}   # stage -> shard id -> language
        pipeline = plan.pipeline
        self.manifest = RunManifest(
            pipeline=pipeline.name, pipeline_file=_relative(pipeline.file, pipeline.base_dir),
            theme=plan.theme.name, seed=pipeline.config.seed, executor=executor.name,
            started_at=_now())
        self.manifest_file = manifest_path(plan.run_dir, plan.theme.name)

    def run(self) -> RunManifest:
        started = time.perf_counter()
        try:
            with self.progress.running():
                if self._streams():
                    from kg2instruction.core.streaming import StreamingScheduler

                    StreamingScheduler(self, self.executor, started).run()  # type: ignore[arg-type]
                else:
                    for name in self.plan.dag.order:
                        self._run_stage(self.plan.stages[name])
                        self.write_manifest(started)
        except BaseException:
            self._finish("failed", started)
            raise
        self._finish("complete", started)
        return self.manifest

    def _streams(self) -> bool:
        """Stream when the executor takes units one at a time and wants to. A subclass that
        changes how one stage runs (`_run_stage`: the incremental refresh pre-fills shards)
        keeps the barrier, as the streaming scheduler does not call it."""
        return (isinstance(self.executor, StreamingExecutor)
                and bool(getattr(self.executor, "streaming", False))
                and type(self)._run_stage is Runner._run_stage)

    def write_manifest(self, started: float) -> None:
        """Stages in topological order, whatever order they finished in."""
        self.manifest.stages = {n: self.manifest.stages[n] for n in self.plan.dag.order
                                if n in self.manifest.stages}
        self.manifest.wall_seconds = round(time.perf_counter() - started, 3)
        self.manifest.write(self.manifest_file)

    def _finish(self, status: str, started: float) -> None:
        self.manifest.status = status  # type: ignore[assignment]
        self.manifest.finished_at = _now()
        self.manifest.wall_seconds = round(time.perf_counter() - started, 3)
        self.manifest.write(self.manifest_file)

    def _run_stage(self, planned: PlannedStage) -> None:
        node, store = planned.node, planned.store
        started = time.perf_counter()
        if node.name in self.force:
            store.invalidate()
        spec = self._spec(planned)
        shard_langs = store.completed_shards()
        computed: list[str] = []
        if shard_langs is None:
            units, expected = self._units(node, store)
            items_of, total_items = self._items(node, store, expected)
            bar = self.progress.stage(node.name, None if expected is None else len(expected),
                                      store.done_shards(), items_of, total_items)
            outcomes: dict[str, ShardOutcome] = {}

            def on_shard(outcome: ShardOutcome) -> None:
                outcomes[outcome.shard_id] = outcome
                bar.saw([outcome.shard_id])

            job = StageJob(spec, units, node.cls.resources, node.cls.uses_model)
            self.executor.run(job, on_shard, lambda: bar.saw(store.done_shards()))
            shard_langs = dict(expected or {})
            shard_langs.update({o.shard_id: o.lang for o in outcomes.values()})
            computed = [o.shard_id for o in outcomes.values() if o.computed]
            missing = [s for s in shard_langs if not store.is_done(s)]
            if missing:
                raise RuntimeError(f"stage {node.name}: shards {missing[:5]} not done after run")
            store.mark_complete(shard_langs)
            bar.finish(len(shard_langs))
        self._record(planned, shard_langs, computed, time.perf_counter() - started)

    def _spec(self, planned: PlannedStage, *, streaming: bool = False) -> StageSpec:
        """`streaming`: table inputs may still be running (a map unit reads its shard by id
        from the input's directory, so an unfinished input's shard list is left empty)."""
        node = planned.node
        pipeline = self.plan.pipeline
        inputs = {t: self.outputs[t] if t in self.outputs or not streaming
                  else UpstreamOutput(self.plan.stages[t].store.dir, ())
                  for t in node.table_inputs}
        return StageSpec(
            stage=node.name, stage_ref=stage_ref(node.cls),
            config=node.config.model_dump(mode="json"), fingerprint=planned.fingerprint,
            out_dir=planned.store.dir, theme=self.plan.theme.theme,
            languages=tuple(pipeline.config.languages), seed=pipeline.config.seed,
            base_dir=pipeline.base_dir,
            artifacts={self.artifacts[a].provides: self.artifacts[a]
                       for a in node.artifact_inputs},
            inputs=inputs,
            source_paths={kind: tuple(pipeline.source_path(kind, i)
                                      for i in range(len(pipeline.source_files(kind))))
                          for kind in node.cls.sources},
            reduce_rows_per_shard=pipeline.config.reduce_rows_per_shard)

    def _units(self, node: StageNode,
               store: ShardStore) -> tuple[list[Unit], dict[str, str | None] | None]:
        """Units still to run, and the shards the stage will have (None: known only after)."""
        kind = node.cls.kind
        if kind == "source":
            pipeline = self.plan.pipeline
            return [SourceUnit(source, pipeline.source_path(source_kind, index))
                    for source_kind in node.cls.sources
                    for index, source in enumerate(pipeline.source_files(source_kind))], None
        if kind == "map":
            expected = self._map_shards(node)
            return [MapUnit(s, lang) for s, lang in expected.items()
                    if not store.is_done(s)], expected
        if kind == "artifact":
            return ([] if store.is_done(ARTIFACT) else [WholeUnit()]), {ARTIFACT: None}
        return [WholeUnit()], None

    def _items(self, node: StageNode, store: ShardStore, expected: dict[str, str | None] | None
               ) -> tuple[Callable[[str], int], int | None]:
        """What a finished shard adds to the stage's progress, and the total: a map shard's rows
        of the first input (read from the upstream shard stats, so known before the shard runs);
        a source shard's rows written (its own stats, published before its done marker); a
        reduce's whole first input at once. Artifacts count their one unit."""
        kind = node.cls.kind
        if kind == "map":
            upstream = self.outputs[node.table_inputs[0]].dir
            rows = {s: _rows_out(upstream, s) for s in expected or {}}
            return (lambda shard: rows.get(shard, 0)), sum(rows.values())
        if kind == "source":
            return (lambda shard: _rows_out(store.dir, shard)), None
        if kind == "reduce" and node.table_inputs:
            primary = self.manifest.stages[node.table_inputs[0]].funnel.kept
            return (lambda shard: primary if shard == "00000" else 0), primary
        return (lambda _: 1), (None if expected is None else len(expected))

    def _map_shards(self, node: StageNode) -> dict[str, str | None]:
        primary, *others = node.table_inputs
        shards = self._langs[primary]
        for other in others:
            if set(self._langs[other]) != set(shards):
                raise ConfigError(f"map stage {node.name!r}: inputs {primary!r} and {other!r} "
                                  "have different shards; a map stage needs aligned inputs",
                                  path=self.plan.pipeline.file, key=f"stages.{node.name}")
        return dict(shards)

    def _record(self, planned: PlannedStage, shard_langs: dict[str, str | None],
                computed: list[str], seconds: float) -> None:
        self._publish(planned, shard_langs)
        self._report(planned, shard_langs, computed, seconds)

    def _publish(self, planned: PlannedStage, shard_langs: dict[str, str | None]) -> None:
        """A complete stage becomes an input of later stages."""
        node, store = planned.node, planned.store
        self._langs[node.name] = dict(sorted(shard_langs.items()))
        self.outputs[node.name] = UpstreamOutput(store.dir, tuple(sorted(shard_langs)))
        if issubclass(node.cls, ArtifactStage):
            self.artifacts[node.name] = ArtifactRef(node.cls.provides, stage_ref(node.cls),
                                                    store.artifact_dir,
                                                    node.config.model_dump(mode="json"))

    def _report(self, planned: PlannedStage, shard_langs: dict[str, str | None],
                computed: list[str], seconds: float) -> None:
        """The stage's manifest entry (from its shard stats) and its summary line."""
        node, store = planned.node, planned.store
        rows_in, funnel, counters, worker_seconds = summarize_shards(
            store, sorted(shard_langs), node.table_inputs[0] if node.table_inputs else None)
        report = StageReport(
            kind=node.cls.kind, version=node.cls.version, fingerprint=planned.fingerprint,
            output=_relative(store.dir, self.plan.pipeline.base_dir),
            requires=list(node.cls.requires), shards_total=len(shard_langs),
            shards_computed=len(computed), shards_reused=len(shard_langs) - len(computed),
            wall_seconds=round(seconds, 3), worker_seconds=worker_seconds, rows_in=rows_in,
            funnel=funnel, counters=counters)
        self.manifest.stages[node.name] = report
        self.progress.stage_done(summary_of(node.name, node.cls.kind, funnel,
                                            report.wall_seconds, report.shards_computed,
                                            report.shards_reused))



def _relative(path: Path, base: Path) -> str:
    """Inside the project: relative to it (a project moved whole still reads its manifests).
    Outside (a cache on another disk, `--cache-dir`): absolute, as `..` chains through a
    symlinked folder would lead somewhere else."""
    return os.path.relpath(path, base) if path.is_relative_to(base) else str(path)


def _rows_out(directory: Path, shard: str) -> int:
    """Rows a finished shard wrote (0 when its stats are missing: progress only, never data)."""
    try:
        return ShardStats.from_json((directory / f"shard-{shard}.stats.json").read_bytes()
                                    ).rows_out
    except (OSError, ValueError, TypeError):
        return 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

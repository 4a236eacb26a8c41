"""One refresh, start to finish (or resumed): fetch -> build KG -> diff -> re-run -> publish.

A new Wikidata dump, new Wikipedia dumps, or both: the KG difference (kg_diff.py, affected.py)
and the page comparison of the old and new paragraphs (page_diff.py) give one plan of the
paragraphs to recompute; everything else keeps the previous run's rows.

    <cache>/<run>/refresh/
        refresh.lock          held for the whole refresh (lock.py)
        state.json            finished steps of the refresh in progress (state.py)
        pipeline.yaml         the pipeline on the newest published dumps (derived_pipeline.py);
                              the next refresh starts from it; `kg2i run --pipeline` accepts it
        pipeline.next.yaml    the same for the refresh in progress (renamed when published)
        base/<theme>.json     the manifest of the run the refresh started from
        diff/<old>-<new>.duckdb   the KG difference (kg_diff.py)
        affected/<theme>.json     KG-affected paragraphs per previous shard, page comparison
                                  counts, and the reuse plan per new shard
        history.json          one entry per published refresh: dumps, KG fingerprint, versions

New KG versions are the build_kg stage's outputs (one directory per dump fingerprint, beside the
previous one); the previous version stays until `kg2i cache gc` finds no manifest using it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.pipeline import Pipeline, load_pipeline
from kg2instruction.core.executors import make_executor
from kg2instruction.core.manifest import RunManifest, manifest_path
from kg2instruction.core.progress import RunProgress
from kg2instruction.core.runner import Runner, RunPlan, plan_run
from kg2instruction.dataset.run_outputs import load_run
from kg2instruction.kg.dump_identity import dump_identity
from kg2instruction.refresh.affected import DiffKeys, plan_shard, shard_tables
from kg2instruction.refresh.derived_pipeline import write_derived_pipeline
from kg2instruction.refresh.incremental import (IncrementalRunner, PreviousRun, SpliceCounts,
                                                reuse_from_affected)
from kg2instruction.refresh.kg_diff import diff_kgs, read_summary
from kg2instruction.refresh.lock import RefreshLock
from kg2instruction.refresh.page_diff import ReusePlan, ShardReuse, compare_pages
from kg2instruction.refresh.publish import publish
from kg2instruction.refresh.sources import DumpRequest, fetch_dumps
from kg2instruction.refresh.state import RefreshState, StateFile
from kg2instruction.refresh.transport import TransportPolicy

KG_STAGE = "build_kg"
KG_FILE = "kg.duckdb"
# The pipeline on the newest *published* dumps, and the one a refresh in progress runs; the
# latter replaces the former only once everything is published, so a resumed refresh still
# compares against the dumps it started from.
PIPELINE = "pipeline.yaml"
NEXT_PIPELINE = "pipeline.next.yaml"


@dataclass(frozen=True)
class RefreshRequest:
    pipeline_file: Path
    themes: tuple[str, ...]
    dumps: DumpRequest
    keep_versions: int | None = None    # None: keep every published version
    executor: str = "local"
    workers: int = 1


@dataclass
class ThemeResult:
    theme: str
    incremental: bool
    reason: str
    diff: dict[str, Any] = field(default_factory=dict)
    paragraphs_total: int = 0
    paragraphs_affected: int = 0
    pages: dict[str, int] = field(default_factory=dict)     # page comparison (new Wikipedia)
    stages: dict[str, dict[str, int]] = field(default_factory=dict)
    version: str = ""
    previous_version: str | None = None
    changelog: dict[str, dict[str, int]] = field(default_factory=dict)
    removed_versions: list[str] = field(default_factory=list)


def refresh_dir(pipeline: Pipeline) -> Path:
    return pipeline.cache_root / pipeline.name / "refresh"


def current_pipeline_file(pipeline_file: Path) -> Path:
    """The pipeline the last refresh left (its newest dumps), or the operator's file."""
    derived = refresh_dir(load_pipeline(pipeline_file)) / PIPELINE
    return derived if derived.is_file() else Path(pipeline_file)


def run_refresh(request: RefreshRequest, policy: TransportPolicy,
                progress: RunProgress | None = None) -> list[ThemeResult]:
    """Run (or resume) a refresh under the lock; returns per-theme results."""
    base = load_pipeline(request.pipeline_file)
    root = refresh_dir(base)
    progress = progress or RunProgress()
    with RefreshLock(root / "refresh.lock") as lock:
        if lock.stale_holder:
            progress.note(f"previous refresh (pid {lock.stale_holder.get('pid')}) died holding "
                          "the lock; resuming its work")
        start = load_pipeline(current_pipeline_file(request.pipeline_file))
        state_file = StateFile(root / "state.json")
        target = {"dumps": request.dumps.identity(), "themes": list(request.themes),
                  "start": str(start.file)}
        state = state_file.load(target)
        if not state.finished("download"):
            fetched = fetch_dumps(request.dumps, start, policy, progress)
            state_file.record(state, "download", fetched)
        fetched = state.done["download"]
        results = []
        for theme in request.themes:
            results.append(_refresh_theme(request, start, root, state, state_file, theme,
                                          fetched, progress))
        _append_history(root, fetched, results)
        next_pipeline = root / NEXT_PIPELINE
        if next_pipeline.is_file():       # the next refresh starts from these dumps
            atomic_write_text(root / PIPELINE, next_pipeline.read_text(encoding="utf-8"))
            next_pipeline.unlink()
        state_file.clear()
        return results


def _refresh_theme(request: RefreshRequest, start: Pipeline, root: Path, state: RefreshState,
                   state_file: StateFile, theme: str, fetched: dict[str, Any],
                   progress: RunProgress) -> ThemeResult:
    step = f"publish:{theme}"
    if state.finished(step):
        return ThemeResult(**state.done[step])
    base_manifest = _snapshot_base(start, root, state, state_file, theme)
    control = plan_run(start.file, theme)       # before `start.file` may be rewritten below
    derived = write_derived_pipeline(
        start, root / NEXT_PIPELINE,
        None if fetched.get("wikidata") is None else Path(fetched["wikidata"]),
        {lang: Path(p) for lang, p in fetched.get("wikipedia", {}).items()})
    plan = plan_run(derived.file, theme)
    previous, reason = _previous_run(start, control, plan, base_manifest)
    result = ThemeResult(theme, previous is not None, reason)
    planned = f"affected:{theme}"

    def plan_reuse(runner: Runner) -> ReusePlan:
        if not state.finished(planned) or "reuse" not in state.done[planned]:  # (older state)
            assert isinstance(runner, IncrementalRunner) and previous is not None
            state_file.record(state, planned, _plan_reuse(runner, previous, root, theme))
        return {s: ShardReuse.from_dict(r) for s, r in state.done[planned]["reuse"].items()}

    executor = make_executor(request.executor, workers=request.workers)
    try:
        if previous is None:
            Runner(plan, executor, progress).run()
        else:
            ran = f"run:{theme}"

            def record_counts(stage: str, counts: SpliceCounts) -> None:
                # per stage, as it is pre-filled: a resumed run does not redo (or recount) it
                state_file.record(state, ran, {**state.done.get(ran, {}), stage: vars(counts)})

            IncrementalRunner(plan, executor, progress, previous, plan_reuse,
                              record_counts).run()
            result.stages = dict(state.done.get(ran, {}))
    finally:
        executor.close()
    if state.finished(planned) and "reuse" in state.done[planned]:
        done = state.done[planned]
        result.diff = done["diff"]
        result.pages = done["pages"]
        result.paragraphs_total = done["paragraphs"]
        result.paragraphs_affected = sum(len(r["recompute"]) for r in done["reuse"].values())
    run = load_run(plan.run_dir, theme, plan.pipeline.base_dir)
    kg_dump = dump_identity(plan.pipeline.source_path("wikidata", 0))
    published = publish(run, plan.pipeline, theme, plan.pipeline.datasets_root(theme),
                        request.keep_versions, kg_dump)
    result.version = published.version.name
    result.previous_version = None if published.previous is None else published.previous.name
    result.changelog = published.changelog
    result.removed_versions = published.removed_versions
    state_file.record(state, step, vars(result))
    return result


def _snapshot_base(start: Pipeline, root: Path, state: RefreshState, state_file: StateFile,
                   theme: str) -> RunManifest | None:
    """The manifest of the run before this refresh, copied once (the run overwrites it)."""
    step = f"base:{theme}"
    copy = root / "base" / f"{theme}.json"
    if not state.finished(step):
        current = manifest_path(start.cache_root / start.name, theme)
        if current.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(copy, current.read_text(encoding="utf-8"))
        else:
            copy.unlink(missing_ok=True)
        state_file.record(state, step, {"manifest": str(copy) if copy.is_file() else None})
    if not copy.is_file():
        return None
    return RunManifest.model_validate_json(copy.read_bytes())


def _previous_run(start: Pipeline, control: RunPlan, plan: RunPlan,
                  base: RunManifest | None) -> tuple[PreviousRun | None, str]:
    """The base run if an incremental refresh is valid, else None and why not.

    Valid only when the dumps are the sole difference: the base run completed, and planning the
    *same* pipeline on the base run's dumps reproduces every fingerprint the base run recorded
    (so no config, theme or code version changed in between)."""
    if base is None or base.status != "complete":
        return None, "no completed previous run of this theme"
    if KG_STAGE not in base.stages:
        return None, f"the previous run has no {KG_STAGE} stage"
    recorded = {name: report.fingerprint for name, report in base.stages.items()}
    changed = [name for name, stage in control.stages.items()
               if recorded.get(name) != stage.fingerprint]
    if changed:
        return None, (f"stages changed since the previous run for reasons other than the "
                      f"dumps: {', '.join(changed)}; full run")
    sources = [n for n, s in plan.stages.items() if s.node.cls.kind == "source"]
    if len(sources) != 1:
        return None, f"{len(sources)} source stages (the page comparison needs one); full run"
    new_wikipedia = base.stages[sources[0]].fingerprint != plan.stages[sources[0]].fingerprint
    new_kg = base.stages[KG_STAGE].fingerprint != plan.stages[KG_STAGE].fingerprint
    reason = {(True, False): "only the KG changed",
              (False, True): "new Wikipedia dump; pages compared by revision and content",
              (True, True): "new KG and Wikipedia dump; pages compared by revision and content",
              (False, False): "no dump changed"}[(new_kg, new_wikipedia)]
    return PreviousRun(base, start.base_dir), reason


def _plan_reuse(runner: IncrementalRunner, previous: PreviousRun, root: Path,
                theme: str) -> dict[str, Any]:
    """Which paragraphs to recompute, per shard of the new run: those the KG difference touches
    (when the KG changed) and those of pages whose paragraphs changed (when Wikipedia did)."""
    base = previous.manifest
    source = next(n for n, s in base.stages.items() if s.kind == "source")
    old_source = previous.base_dir / base.stages[source].output
    diff: dict[str, Any] = {}
    kg_affected: dict[str, list[str]] = {}
    if base.stages[KG_STAGE].fingerprint != runner.plan.stages[KG_STAGE].fingerprint:
        diff, kg_affected = _plan_kg_affected(runner, previous, root)
    new_source = runner.source_dir()
    if new_source.resolve() == old_source.resolve():     # the KG alone: shards line up
        listed = json.loads((new_source / "_complete.json").read_bytes())["shards"]
        shards = sorted(entry["id"] for entry in listed)
        reuse = reuse_from_affected(shards, kg_affected)
        paragraphs = sum(_rows(new_source, s) for s in shards)
        pages: dict[str, int] = {}
    else:
        compared = compare_pages(old_source, new_source,
                                 (p for ids in kg_affected.values() for p in ids),
                                 root / "tmp")
        reuse, paragraphs, pages = compared.plan, compared.paragraphs, compared.pages
    planned = {"diff": diff, "paragraphs": paragraphs, "affected": kg_affected, "pages": pages,
               "reuse": {s: vars(r) for s, r in sorted(reuse.items())}}
    atomic_write_text(root / "affected" / f"{theme}.json", json.dumps(planned, indent=1))
    return planned


def _plan_kg_affected(runner: Runner, previous: PreviousRun,
                      root: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Diff the previous and the new KG, then find the affected paragraphs of the previous run
    shard by shard (paragraph ids of a page whose paragraphs did not change are the same in
    both runs)."""
    new_kg = runner.artifacts[KG_STAGE].path / KG_FILE
    base = previous.manifest
    old_kg = previous.base_dir / base.stages[KG_STAGE].output / "artifact" / KG_FILE
    new_fp = runner.plan.stages[KG_STAGE].fingerprint[:16]
    diff_db = root / "diff" / f"{base.stages[KG_STAGE].fingerprint[:16]}-{new_fp}.duckdb"
    if not diff_db.is_file():
        diff_kgs(old_kg, new_kg, diff_db)
    keys = DiffKeys.load(diff_db, old_kg, new_kg)
    ordered = sorted((s for s in base.stages.items() if s[1].kind in ("source", "map")),
                     key=lambda item: item[1].kind != "source")
    outputs = [previous.base_dir / s.output for _, s in ordered]
    source = next(s for s in ordered if s[1].kind == "source")
    shards = json.loads((previous.base_dir / source[1].output / "_complete.json").read_bytes())
    affected: dict[str, list[str]] = {}
    for shard in (entry["id"] for entry in shards["shards"]):
        shard_plan = plan_shard(shard, shard_tables(outputs, shard), keys)
        if shard_plan.affected:
            affected[shard] = shard_plan.affected
    return read_summary(diff_db).as_dict(), affected


def _rows(directory: Path, shard: str) -> int:
    return pq.read_metadata(directory / f"shard-{shard}.parquet").num_rows


def _append_history(root: Path, fetched: dict[str, Any], results: list[ThemeResult]) -> None:
    path = root / "history.json"
    history = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    history.append({"dumps": fetched, "themes": {r.theme: {"version": r.version,
                                                           "incremental": r.incremental,
                                                           "paragraphs_affected":
                                                               r.paragraphs_affected,
                                                           "paragraphs": r.paragraphs_total,
                                                           "pages": r.pages,
                                                           "stages": r.stages}
                                                 for r in results}})
    atomic_write_text(path, json.dumps(history, indent=2) + "\n")




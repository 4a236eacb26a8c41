"""Streaming execution: a shard goes to the next stage as soon as it is done.

The barrier runner finishes a whole stage before the next starts, so a cluster idles while the
slowest shard of each stage runs, and independent stages (the dump reader and the KG build) never
overlap. This scheduler keeps every stage's rules and lifts only the barrier:

- A map stage whose table inputs are shard-aligned (they all derive their shards from one source
  or reduce stage) *streams*: its shard `s` is submitted once shard `s` of every table input is
  done and its artifacts are built. Source shards are seen as they are published (done markers
  on the shared cache), so the next stage starts while the dump is still being read.
- Source, reduce and artifact stages, model stages (actor pools) and map stages with non-aligned
  inputs start when every stage they require is complete, as under the barrier. A model stage
  waits so its actors never sit on CPUs that its own upstream tasks need (a deadlock); its
  shards still stream to the stages after it.
- Back-pressure: at most `executor.max_in_flight` task units are in the executor; ready units
  wait in the driver, deepest stage first, so shards flow to the end rather than piling up
  behind the reader. A model stage's units wait for an idle actor in its pool instead.

Every unit is the same `run_shard` call as under the barrier (same inputs, same bytes), a stage is
marked complete with the same shard list, and its manifest entry is built from the same shard
stats, so outputs, done markers, funnels and resume after a kill are those of a barrier run.
"""
from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, field
from typing import Literal

from kg2instruction.core.dag import Dag
from kg2instruction.core.executors.base import Finished, StageJob, StreamingExecutor
from kg2instruction.core.progress import StageBar
from kg2instruction.core.runner import PlannedStage, Runner, _rows_out
from kg2instruction.core.work import MapUnit, ShardOutcome, Unit

_WAIT_SECONDS = 0.5
Mode = Literal["source", "stream", "whole"]


def stage_modes(dag: Dag) -> dict[str, Mode]:
    """How each stage runs when streaming: `source`; `stream` (a map stage whose table inputs
    share shard ids and that runs as tasks: shard by shard as its inputs' shards are done);
    `whole` (everything else: starts once every stage it requires is complete)."""
    modes: dict[str, Mode] = {}
    for name in dag.order:
        node = dag[name]
        kind = node.cls.kind
        on_actors = node.cls.uses_model or node.cls.resources.gpus > 0
        if kind == "source":
            modes[name] = "source"
        elif kind == "map" and not on_actors and len({_root(dag, t)
                                                      for t in node.table_inputs}) == 1:
            modes[name] = "stream"
        else:
            modes[name] = "whole"
    return modes


def _root(dag: Dag, name: str) -> str:
    """The stage a table stage's shard ids come from: a map stage keeps its first input's."""
    node = dag[name]
    return _root(dag, node.table_inputs[0]) if node.cls.kind == "map" else name


@dataclass
class _StageRun:
    planned: PlannedStage
    mode: Mode
    started: float | None = None
    complete: bool = False
    job: StageJob | None = None
    bar: StageBar | None = None
    expected: dict[str, str | None] | None = None    # whole stages: shards known up front
    pending: int = 0                                  # units queued or running
    offered: set[str] = field(default_factory=set)    # stream stages: shards taken on
    available: dict[str, str | None] = field(default_factory=dict)  # done shards -> language
    outcomes: dict[str, ShardOutcome] = field(default_factory=dict)


class StreamingScheduler:
    """Runs a plan's stages concurrently on a streaming executor, for `Runner.run`."""

    def __init__(self, runner: Runner, executor: StreamingExecutor, started: float) -> None:
        self.runner = runner
        self.executor = executor
        self.run_started = started
        dag = runner.plan.dag
        self.order = list(dag.order)
        self.depth = {name: i for i, name in enumerate(self.order)}
        modes = stage_modes(dag)
        self.stages = {name: _StageRun(runner.plan.stages[name], modes[name])
                       for name in self.order}
        self.consumers: dict[str, list[str]] = {name: [] for name in self.order}
        for name, state in self.stages.items():
            if state.mode == "stream":
                for upstream in state.planned.node.table_inputs:
                    self.consumers[upstream].append(name)
        self._ready: list[tuple[int, str, int, str, Unit]] = []
        self._sequence = itertools.count()

    # ---- the loop ----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._advance()
            while not all(s.complete for s in self.stages.values()):
                self._poll_sources()
                self._submit_ready()
                for finished in self.executor.wait(_WAIT_SECONDS):
                    self._finished(finished)
                self._advance()
                if not any(s.pending for s in self.stages.values()) and not all(
                        s.complete for s in self.stages.values()):
                    waiting = [n for n, s in self.stages.items() if not s.complete]
                    raise RuntimeError(f"streaming run stalled: stages {waiting} cannot finish")
        except BaseException:
            self.executor.cancel()
            raise

    def _advance(self) -> None:
        """Start what can start and complete what is done, until nothing changes (a reused
        stage completes at once and may let the next one start)."""
        changed = True
        while changed:
            changed = False
            for name, state in self.stages.items():
                if state.started is None and self._can_start(name):
                    self._start(name)
                    changed = True
                if state.started is not None and not state.complete and self._done(name):
                    self._complete(name)
                    changed = True

    def _can_start(self, name: str) -> bool:
        state = self.stages[name]
        node = state.planned.node
        if not all(self.stages[a].complete for a in node.artifact_inputs):
            return False
        if state.mode == "stream":
            return all(self.stages[t].started is not None for t in node.table_inputs)
        return all(self.stages[r].complete for r in node.cls.requires)

    def _start(self, name: str) -> None:
        runner, state = self.runner, self.stages[name]
        node, store = state.planned.node, state.planned.store
        state.started = time.perf_counter()
        if name in runner.force:
            store.invalidate()
        completed = store.completed_shards()
        if completed is not None:                  # reused whole, as under the barrier
            state.available = dict(completed)
            state.expected = dict(completed)
            return
        spec = runner._spec(state.planned, streaming=state.mode == "stream")
        state.job = StageJob(spec, (), node.cls.resources, node.cls.uses_model)
        if state.mode == "stream":
            primary = self.stages[node.table_inputs[0]]
            upstream = primary.planned.store.dir
            state.bar = runner.progress.stage(name, None, store.done_shards(),
                                              lambda s: _rows_out(upstream, s), None)
            if primary.complete:
                self._set_totals(name)
            for shard in list(primary.available):
                self._offer(name, shard)
            return
        units, state.expected = runner._units(node, store)
        items_of, total_items = runner._items(node, store, state.expected)
        state.bar = runner.progress.stage(
            name, None if state.expected is None else len(state.expected), store.done_shards(),
            items_of, total_items)
        for unit in units:
            self._queue(name, unit)
        queued = {u.shard_id for u in units if isinstance(u, MapUnit)}
        for shard, lang in (state.expected or {}).items():   # done in an earlier run
            if shard not in queued and store.is_done(shard):
                self._available(name, shard, lang)

    # ---- units -------------------------------------------------------------------------------
    def _offer(self, name: str, shard: str) -> None:
        """A stream stage takes shard `shard` on once every table input has it."""
        state = self.stages[name]
        node = state.planned.node
        if shard in state.offered or not all(shard in self.stages[t].available
                                             for t in node.table_inputs):
            return
        state.offered.add(shard)
        lang = self.stages[node.table_inputs[0]].available[shard]
        if state.planned.store.is_done(shard):     # resumed: finished in an earlier run
            state.outcomes[shard] = ShardOutcome(shard, lang, computed=False)
            self._available(name, shard, lang)
        else:
            self._queue(name, MapUnit(shard, lang))

    def _queue(self, name: str, unit: Unit) -> None:
        state = self.stages[name]
        assert state.job is not None
        state.pending += 1
        if state.job.on_actors:                   # bounded by its actor pool, not the cap
            self.executor.submit(state.job, unit)
            return
        shard = unit.shard_id if isinstance(unit, MapUnit) else ""
        heapq.heappush(self._ready, (-self.depth[name], shard, next(self._sequence), name, unit))

    def _submit_ready(self) -> None:
        while self._ready and self.executor.in_flight() < self.executor.max_in_flight:
            *_, name, unit = heapq.heappop(self._ready)
            job = self.stages[name].job
            assert job is not None
            self.executor.submit(job, unit)

    def _finished(self, finished: Finished) -> None:
        state = self.stages[finished.stage]
        state.pending -= 1
        for outcome in finished.outcomes:
            state.outcomes[outcome.shard_id] = outcome
            self._available(finished.stage, outcome.shard_id, outcome.lang)

    def _available(self, name: str, shard: str, lang: str | None) -> None:
        """A shard of `name` is done: count it and hand it to the stages that stream from it."""
        state = self.stages[name]
        if shard in state.available:
            return
        state.available[shard] = lang
        if state.bar is not None:
            state.bar.saw([shard])
        for consumer in self.consumers[name]:
            if self.stages[consumer].started is not None:
                self._offer(consumer, shard)

    def _poll_sources(self) -> None:
        """A source unit publishes many shards; each is usable once its done marker exists."""
        for name, state in self.stages.items():
            if state.mode == "source" and state.pending and not state.complete:
                store = state.planned.store
                for shard in store.done_shards():
                    if shard not in state.available:
                        self._available(name, shard, store.read_stats(shard).lang)

    # ---- completion --------------------------------------------------------------------------
    def _done(self, name: str) -> bool:
        state = self.stages[name]
        if state.pending:
            return False
        if state.mode != "stream" or state.expected is not None:
            return True
        node = state.planned.node
        if not all(self.stages[t].complete for t in node.table_inputs):
            return False
        return set(self.runner._map_shards(node)) <= set(state.available)

    def _complete(self, name: str) -> None:
        runner, state = self.runner, self.stages[name]
        planned = state.planned
        store = planned.store
        computed: list[str] = []
        if state.job is None:                      # complete on disk when it started
            shard_langs = dict(state.expected or {})
        else:
            if state.mode == "stream":
                shard_langs = runner._map_shards(planned.node)
            else:
                shard_langs = dict(state.expected or {})
                shard_langs.update({o.shard_id: o.lang for o in state.outcomes.values()})
            computed = [s for s, o in state.outcomes.items() if o.computed and s in shard_langs]
            missing = [s for s in shard_langs if not store.is_done(s)]
            if missing:
                raise RuntimeError(f"stage {name}: shards {missing[:5]} not done after run")
            store.mark_complete(shard_langs)
            if state.bar is not None:
                state.bar.finish(len(shard_langs))
            self.executor.release(name)
        state.available = dict(shard_langs)
        state.complete = True
        assert state.started is not None
        runner._publish(planned, shard_langs)
        runner._report(planned, shard_langs, computed, time.perf_counter() - state.started)
        runner.write_manifest(self.run_started)
        for consumer in self.consumers[name]:
            if self.stages[consumer].started is not None:
                for shard in shard_langs:          # shards not reported one by one
                    self._offer(consumer, shard)
                if self.stages[consumer].planned.node.table_inputs[0] == name:
                    self._set_totals(consumer)

    def _set_totals(self, name: str) -> None:
        """A streamed stage's progress totals, known once its first input is complete: that
        input's shards and rows (the barrier runner's totals)."""
        state = self.stages[name]
        primary = self.stages[state.planned.node.table_inputs[0]]
        if state.bar is not None and not state.complete:
            upstream = primary.planned.store.dir
            state.bar.set_totals(len(primary.available),
                                 sum(_rows_out(upstream, s) for s in primary.available))


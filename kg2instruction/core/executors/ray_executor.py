"""Ray execution: a task per CPU shard, an actor pool for model stages.

`ray.init()` starts a local Ray unless `--ray-address` or `RAY_ADDRESS` names a cluster. On a
cluster the cache directory and the pipeline's inputs must be on storage every node sees (the
workers write shards directly; only outcomes travel back), and the package must be installed on
the nodes. Model stages (`uses_model` or GPUs requested) run on `ray.util.ActorPool` actors that
call `setup()` once each; GPUs are requested only when the cluster has any, otherwise the stage
runs on CPU actors with a warning.

Streaming (the default): the runner hands units over one at a time, from any stage, as their
inputs become ready (`submit`, `wait`; see `core.streaming`); at most `max_in_flight` task units
are in Ray at once, the rest wait in the driver. A node that dies takes its running units with
it: Ray runs a lost task again elsewhere (`max_retries`) and restarts a lost actor, retrying its
call (`max_restarts`, `max_task_retries`). A rerun unit finds finished shards by their done
markers and rewrites unfinished ones with the same bytes, so a lost node never changes the output.
"""
from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ray
from ray.util import ActorPool

from kg2instruction.core.executors.base import Finished, StageJob
from kg2instruction.core.run_shard import OnShard, prepare_stage, run_shard
from kg2instruction.core.work import ShardOutcome, StageSpec, Unit
from kg2instruction.errors import KG2IError

log = logging.getLogger(__name__)


@contextmanager
def _worker_errors() -> Iterator[None]:
    """A user error raised in a worker (bad input, bad config) reaches the user as itself, one
    clear line, not wrapped in Ray's task error with the worker's traceback."""
    try:
        yield
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, KG2IError):
            raise cause from None
        raise


_POLL_SECONDS = 0.5
# Reruns of a unit lost with its node or worker process (not of a unit that raised: that error is
# the stage's, and running it again would only repeat it).
_TASK_RETRIES = 3
_ACTOR_RESTARTS = 3


class ShardActor:
    """Holds one set-up stage (a loaded model) and runs shards on it."""

    def __init__(self, spec: StageSpec) -> None:
        self.spec = spec
        prepare_stage(spec)

    def run(self, unit: Unit) -> list[ShardOutcome]:
        return run_shard(self.spec, unit)


def _run_task(spec: StageSpec, unit: Unit) -> list[ShardOutcome]:
    return run_shard(spec, unit)


@dataclass
class _ActorStage:
    """A model stage's actors in streaming mode: created as units arrive, up to `size`."""

    job: StageJob
    size: int
    gpus: float
    handles: list[Any] = field(default_factory=list)
    idle: list[Any] = field(default_factory=list)
    queue: deque[Unit] = field(default_factory=deque)


@dataclass(frozen=True)
class _Running:
    stage: str
    unit: Unit
    actor: Any = None


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None = None, actors: dict[str, int] | None = None,
                 import_paths: Sequence[Path] = (), streaming: bool = True,
                 max_in_flight: int | None = None) -> None:
        """`import_paths`: directories workers must import from (the project's `plugins:`); on a
        cluster they must exist at the same path on every node, like the cache.
        `max_in_flight` (streaming): task units in Ray at once; default twice the cluster's
        CPUs, enough to keep every CPU busy while finished units are collected."""
        self.actors = actors or {}
        self.streaming = streaming
        self._started = False
        if not ray.is_initialized():
            address = address or os.environ.get("RAY_ADDRESS")
            python_path = [str(p) for p in import_paths]
            if os.environ.get("PYTHONPATH"):
                python_path.append(os.environ["PYTHONPATH"])
            options: dict[str, Any] = {"address": address, "logging_level": logging.WARNING}
            if python_path:
                options["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(python_path)}}
            if address is None:
                options["include_dashboard"] = False
            ray.init(**options)
            self._started = True
        self._task = ray.remote(_run_task)
        self._actor_cls = ray.remote(ShardActor)
        self.max_in_flight = max_in_flight or max(
            2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        self._spec_refs: dict[str, Any] = {}
        self._pools: dict[str, _ActorStage] = {}
        self._running: dict[Any, _Running] = {}
        self._tasks = 0                      # task units in `_running` (not actor calls)

    def run(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        if not job.units:
            return
        with _worker_errors():
            if job.on_actors:
                self._run_actors(job, on_shard, poll)
            else:
                self._run_tasks(job, on_shard, poll)

    def _gpus(self, job: StageJob) -> float:
        if job.resources.gpus <= 0:
            return 0.0
        if ray.cluster_resources().get("GPU", 0) > 0:
            return job.resources.gpus
        log.warning("stage %s asks for GPUs but the cluster has none; running on CPU",
                    job.spec.stage)
        return 0.0

    def _run_tasks(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        spec_ref = ray.put(job.spec)
        task = self._task.options(num_cpus=job.resources.cpus, num_gpus=self._gpus(job),
                                  max_retries=_TASK_RETRIES)
        pending = [task.remote(spec_ref, unit) for unit in job.units]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1, timeout=_POLL_SECONDS)
                for ref in done:
                    for outcome in ray.get(ref):
                        on_shard(outcome)
                poll()
        except BaseException:
            for ref in pending:
                ray.cancel(ref)
            raise

    def _run_actors(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        gpus = self._gpus(job)
        size = self.actors.get(job.spec.stage) or self._default_pool_size(job, gpus)
        size = max(1, min(size, len(job.units)))
        actor = self._actor_options(job, gpus)
        handles = [actor.remote(job.spec) for _ in range(size)]
        pool = ActorPool(handles)
        try:
            for outcomes in pool.map_unordered(lambda a, unit: a.run.remote(unit), job.units):
                for outcome in outcomes:
                    on_shard(outcome)
                poll()
        finally:
            for handle in handles:
                ray.kill(handle)

    def _actor_options(self, job: StageJob, gpus: float) -> Any:
        return self._actor_cls.options(num_cpus=job.resources.cpus, num_gpus=gpus,
                                       max_restarts=_ACTOR_RESTARTS,
                                       max_task_retries=_TASK_RETRIES)

    def _default_pool_size(self, job: StageJob, gpus: float) -> int:
        resources = ray.cluster_resources()
        if gpus > 0:
            return int(resources.get("GPU", 1) // gpus)
        return int(resources.get("CPU", 1) // max(job.resources.cpus, 0.01))

    # ---- streaming: units one at a time (core.streaming drives these) -----------------------
    def submit(self, job: StageJob, unit: Unit) -> None:
        """A task for a CPU stage; a model stage's unit waits in the driver for an idle actor
        (so the actor pool, not the queue, bounds what Ray holds for it)."""
        stage = job.spec.stage
        if job.on_actors:
            pool = self._pools.get(stage)
            if pool is None:
                gpus = self._gpus(job)
                size = self.actors.get(stage) or self._default_pool_size(job, gpus)
                pool = self._pools[stage] = _ActorStage(job, max(1, size), gpus)
            pool.queue.append(unit)
            self._dispatch(pool)
            return
        if stage not in self._spec_refs:
            self._spec_refs[stage] = ray.put(job.spec)
        task = self._task.options(num_cpus=job.resources.cpus, num_gpus=self._gpus(job),
                                  max_retries=_TASK_RETRIES)
        self._running[task.remote(self._spec_refs[stage], unit)] = _Running(stage, unit)
        self._tasks += 1

    def _dispatch(self, pool: _ActorStage) -> None:
        """Queued units to idle actors; a new actor only while units wait and none is idle."""
        while pool.queue:
            if pool.idle:
                actor = pool.idle.pop()
            elif len(pool.handles) < pool.size:
                actor = self._actor_options(pool.job, pool.gpus).remote(pool.job.spec)
                pool.handles.append(actor)
            else:
                return
            unit = pool.queue.popleft()
            self._running[actor.run.remote(unit)] = _Running(pool.job.spec.stage, unit, actor)

    def wait(self, timeout: float) -> list[Finished]:
        if not self._running:
            return []
        refs = list(self._running)
        ready, rest = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready and rest:
            ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        finished = []
        for ref in ready:
            running = self._running.pop(ref)
            self._tasks -= running.actor is None
            outcomes = self._result(ref)
            if running.actor is not None:
                pool = self._pools[running.stage]
                pool.idle.append(running.actor)
                self._dispatch(pool)
            finished.append(Finished(running.stage, running.unit, outcomes))
        return finished

    def in_flight(self) -> int:
        """Task units in Ray (actor calls are bounded by their pools and not counted)."""
        return self._tasks

    @staticmethod
    def _result(ref: Any) -> list[ShardOutcome]:
        with _worker_errors():
            return ray.get(ref)

    def release(self, stage: str) -> None:
        self._spec_refs.pop(stage, None)
        pool = self._pools.pop(stage, None)
        for handle in pool.handles if pool else ():
            ray.kill(handle)

    def cancel(self) -> None:
        for ref, running in list(self._running.items()):
            if running.actor is None:
                ray.cancel(ref)
        self._running.clear()
        self._tasks = 0
        for stage in list(self._pools):
            self.release(stage)
        self._spec_refs.clear()

    def close(self) -> None:
        if self._started and ray.is_initialized():
            ray.shutdown()
        self._started = False

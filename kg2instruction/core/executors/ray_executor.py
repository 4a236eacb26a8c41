"""Ray execution: a task per CPU shard, an actor pool for model stages.

`ray.init()` starts a local Ray unless `--ray-address` or `RAY_ADDRESS` names a cluster. On a
cluster the cache directory and the pipeline's inputs must be on storage every node sees (the
workers write shards directly; only outcomes travel back), and the package must be installed on
the nodes. Model stages (`uses_model` or GPUs requested) run on `ray.util.ActorPool` actors that
call `setup()` once each; GPUs are requested only when the cluster has any, otherwise the stage
runs on CPU actors with a warning.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ray
from ray.util import ActorPool

from kg2instruction.core.executors.base import StageJob
from kg2instruction.core.run_shard import OnShard, prepare_stage, run_shard
from kg2instruction.core.work import ShardOutcome, StageSpec, Unit
from kg2instruction.errors import KG2IError

log = logging.getLogger(__name__)
_POLL_SECONDS = 0.5


class ShardActor:
    """Holds one set-up stage (a loaded model) and runs shards on it."""

    def __init__(self, spec: StageSpec) -> None:
        self.spec = spec
        prepare_stage(spec)

    def run(self, unit: Unit) -> list[ShardOutcome]:
        return run_shard(self.spec, unit)


def _run_task(spec: StageSpec, unit: Unit) -> list[ShardOutcome]:
    return run_shard(spec, unit)


class RayExecutor:
    name = "ray"

    def __init__(self, address: str | None = None, actors: dict[str, int] | None = None,
                 import_paths: Sequence[Path] = ()) -> None:
        """`import_paths`: directories workers must import from (the project's `plugins:`); on a
        cluster they must exist at the same path on every node, like the cache."""
        self.actors = actors or {}
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

    def run(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        if not job.units:
            return
        try:
            if job.uses_model or job.resources.gpus > 0:
                self._run_actors(job, on_shard, poll)
            else:
                self._run_tasks(job, on_shard, poll)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, KG2IError):
                raise cause from None
            raise

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
        task = self._task.options(num_cpus=job.resources.cpus, num_gpus=self._gpus(job))
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
        actor = self._actor_cls.options(num_cpus=job.resources.cpus, num_gpus=gpus)
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

    def _default_pool_size(self, job: StageJob, gpus: float) -> int:
        resources = ray.cluster_resources()
        if gpus > 0:
            return int(resources.get("GPU", 1) // gpus)
        return int(resources.get("CPU", 1) // max(job.resources.cpus, 0.01))

    def close(self) -> None:
        if self._started and ray.is_initialized():
            ray.shutdown()
        self._started = False

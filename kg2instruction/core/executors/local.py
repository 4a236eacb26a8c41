"""In-process execution (the default: debuggable with pdb, no start-up cost), or a process pool.

With `workers > 1` map shards go to a `spawn` process pool; source, reduce and artifact stages are
single units and stay in-process. Each pool process sets the stage up once (`prepare_stage`).
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from kg2instruction.core.executors.base import StageJob
from kg2instruction.core.run_shard import OnShard, run_shard
from kg2instruction.core.work import MapUnit

_POLL_SECONDS = 0.5


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def run(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        shards = [u for u in job.units if isinstance(u, MapUnit)] if self.workers > 1 else []
        for unit in (u for u in job.units if not shards or not isinstance(u, MapUnit)):
            run_shard(job.spec, unit, on_shard)
        if shards:
            self._run_pool(job, shards, on_shard, poll)

    def _run_pool(self, job: StageJob, units: list[MapUnit], on_shard: OnShard,
                  poll: Callable[[], None]) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        pending = {self._pool.submit(run_shard, job.spec, unit) for unit in units}
        try:
            while pending:
                done, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    for outcome in future.result():
                        on_shard(outcome)
                poll()
        except BaseException:
            for future in pending:
                future.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

"""The executor interfaces the runner drives: one stage at a time, or unit by unit (streaming)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kg2instruction.core.run_shard import OnShard
from kg2instruction.core.stage import Resources
from kg2instruction.core.work import ShardOutcome, StageSpec, Unit


@dataclass(frozen=True)
class StageJob:
    """The units of one stage to run, and how the stage wants to be scheduled."""

    spec: StageSpec
    units: Sequence[Unit]
    resources: Resources
    uses_model: bool

    @property
    def on_actors(self) -> bool:
        """Model (or GPU) stages run on long-lived workers that set the stage up once; their
        units are bounded by the pool, not by the streaming cap on tasks."""
        return self.uses_model or self.resources.gpus > 0


@dataclass(frozen=True)
class Finished:
    """A unit a streaming executor finished, with the shards it produced or found done."""

    stage: str
    unit: Unit
    outcomes: list[ShardOutcome]


class Executor(Protocol):
    name: str

    def run(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        """Run every unit; report each finished shard through `on_shard` (in any order), and
        call `poll` now and then while waiting (progress of long units)."""

    def close(self) -> None:
        """Release workers (and the Ray session this executor started)."""


@runtime_checkable
class StreamingExecutor(Protocol):
    """An executor that takes units one at a time, from any stage, and reports them as they
    finish: the runner then starts a shard of the next stage as soon as its input shard is done
    instead of waiting for the whole upstream stage (see `core.streaming`)."""

    name: str
    streaming: bool            # False: the runner keeps the barrier between stages
    max_in_flight: int         # task units submitted and unfinished at most (back-pressure)

    def submit(self, job: StageJob, unit: Unit) -> None:
        """Queue one unit of `job`'s stage (`job.units` is ignored)."""

    def wait(self, timeout: float) -> list[Finished]:
        """Units finished since the last call (waits up to `timeout` s for the first); raises
        the first unit's error."""

    def in_flight(self) -> int:
        """Task units submitted and not yet returned by `wait` (what `max_in_flight` caps)."""

    def release(self, stage: str) -> None:
        """The stage has no more units: free what it holds (its actors)."""

    def cancel(self) -> None:
        """Drop every queued and running unit (the run failed or was interrupted)."""

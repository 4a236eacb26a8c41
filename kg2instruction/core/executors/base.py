"""The executor interface the runner drives, one stage at a time."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from kg2instruction.core.run_shard import OnShard
from kg2instruction.core.stage import Resources
from kg2instruction.core.work import StageSpec, Unit


@dataclass(frozen=True)
class StageJob:
    """The units of one stage to run, and how the stage wants to be scheduled."""

    spec: StageSpec
    units: Sequence[Unit]
    resources: Resources
    uses_model: bool


class Executor(Protocol):
    name: str

    def run(self, job: StageJob, on_shard: OnShard, poll: Callable[[], None]) -> None:
        """Run every unit; report each finished shard through `on_shard` (in any order), and
        call `poll` now and then while waiting (progress of long units)."""

    def close(self) -> None:
        """Release workers (and the Ray session this executor started)."""

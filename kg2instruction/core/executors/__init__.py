"""Executors: where units of work run. Both call `run_shard`, so both write the same bytes."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kg2instruction.core.executors.base import Executor, StageJob
from kg2instruction.core.executors.local import LocalExecutor

__all__ = ["Executor", "StageJob", "LocalExecutor", "make_executor"]


def make_executor(kind: str, *, workers: int = 1, ray_address: str | None = None,
                  actors: dict[str, int] | None = None,
                  import_paths: Sequence[Path] = (), streaming: bool = True,
                  max_in_flight: int | None = None) -> Executor:
    """Ray is imported only when asked for: a local run (and the test suite) does not pay for
    starting it, and the choice stays a config value rather than an import in the caller."""
    if kind == "local":
        return LocalExecutor(workers=workers)
    if kind == "ray":
        from kg2instruction.core.executors.ray_executor import RayExecutor

        return RayExecutor(address=ray_address, actors=actors or {}, import_paths=import_paths,
                           streaming=streaming, max_in_flight=max_in_flight)
    raise ValueError(f"unknown executor {kind!r} (expected local or ray)")

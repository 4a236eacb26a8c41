"""The run manifest: what a run produced, where, how much was kept and dropped, and how long it took.

Written atomically after every stage (status `running`), so even a crashed run leaves a record of
what finished; `kg2i cache gc` keeps exactly the outputs the latest manifests reference.
Location: `<cache>/<run>/manifests/<theme>.json` (one latest manifest per pipeline and theme).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import orjson
import pydantic

from kg2instruction.atomic import atomic_write_bytes
from kg2instruction.core.run_layout import MANIFESTS
from kg2instruction.core.shard_store import ShardStore


class Funnel(pydantic.BaseModel):
    records_in: int = 0          # rows of the stage's first table input (0 for sources)
    kept: int = 0                # rows written
    dropped: dict[str, int] = {}  # reason -> rows, from `ctx.count("dropped", reason=...)`


class StageReport(pydantic.BaseModel):
    kind: str
    version: str
    fingerprint: str
    output: str                  # directory, relative to the pipeline's base_dir
    requires: list[str]
    shards_total: int
    shards_computed: int
    shards_reused: int
    wall_seconds: float
    worker_seconds: float        # summed over shards computed at any time (from shard stats)
    rows_in: dict[str, int]
    funnel: Funnel
    counters: dict[str, int]     # every other counter the stage kept (pages, links, claims...)


class RunManifest(pydantic.BaseModel):
    pipeline: str
    pipeline_file: str
    theme: str
    seed: int
    executor: str
    status: Literal["running", "complete", "failed"] = "running"
    started_at: str
    finished_at: str | None = None
    wall_seconds: float = 0.0
    stages: dict[str, StageReport] = {}

    def write(self, path: Path) -> None:
        atomic_write_bytes(path, orjson.dumps(self.model_dump(mode="json"),
                                              option=orjson.OPT_INDENT_2))


def manifest_path(run_dir: Path, theme: str) -> Path:
    return run_dir / MANIFESTS / f"{theme}.json"


def read_manifests(run_dir: Path) -> list[RunManifest]:
    folder = run_dir / MANIFESTS
    if not folder.is_dir():
        return []
    return [RunManifest.model_validate(orjson.loads(p.read_bytes()))
            for p in sorted(folder.glob("*.json"))]


def summarize_shards(store: ShardStore, shard_ids: Iterable[str],
                     primary_input: str | None) -> tuple[dict[str, int], Funnel, dict[str, int],
                                                         float]:
    """Sum per-shard stats into (rows in per input, funnel, other counters, worker seconds)."""
    rows_in: Counter[str] = Counter()
    counters: Counter[str] = Counter()
    kept = 0
    seconds = 0.0
    for shard_id in shard_ids:
        stats = store.read_stats(shard_id)
        rows_in.update(stats.rows_in)
        counters.update(stats.counters)
        kept += stats.rows_out
        seconds += stats.seconds
    dropped = {k.split(".", 1)[1]: v for k, v in sorted(counters.items())
               if k.startswith("dropped.")}
    others = {k: v for k, v in sorted(counters.items()) if not k.startswith("dropped")}
    if counters.get("dropped"):
        dropped["unspecified"] = counters["dropped"]
    funnel = Funnel(records_in=rows_in.get(primary_input, 0) if primary_input else 0,
                    kept=kept, dropped=dropped)
    return dict(sorted(rows_in.items())), funnel, others, round(seconds, 3)


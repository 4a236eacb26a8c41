"""The on-disk layout of one stage output, and the only code that writes or reads shards.

    <cache>/<run>/<stage>/<fingerprint[:16]>/
        shard-<id>.parquet      the rows (fixed Parquet settings: same table -> same bytes)
        shard-<id>.stats.json   rows in/out, funnel counters, seconds, language
        shard-<id>.done         written last; a shard without it does not exist
        artifact/               (artifact stages) the built file or directory
        _complete.json          the stage's shard list, written when every shard is done

Every file is published atomically, and the done marker only after the data and stats, so a
crash at any instant leaves either a finished shard or one that is recomputed on rerun.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from kg2instruction.atomic import atomic_path, atomic_write_bytes

FINGERPRINT_DIR_CHARS = 16
ARTIFACT = "artifact"
_ROW_GROUP_ROWS = 64_000


@dataclass
class ShardStats:
    """What one unit of work did; summed over shards into the run manifest's funnel."""

    shard_id: str
    lang: str | None
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_out: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, raw: bytes) -> ShardStats:
        return cls(**orjson.loads(raw))


def write_parquet(table: pa.Table, path: Path, *, sync_dir: bool = True) -> None:
    """Deterministic Parquet: fixed codec, row groups and page settings; contiguous chunks."""
    with atomic_path(path, sync_dir=sync_dir) as tmp:
        pq.write_table(table.combine_chunks(), tmp, compression="zstd", compression_level=3,
                       use_dictionary=True, write_statistics=True,
                       row_group_size=_ROW_GROUP_ROWS, data_page_version="2.0")


class ShardStore:
    """One stage output directory (one fingerprint)."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.dir = root / fingerprint[:FINGERPRINT_DIR_CHARS]

    def parquet(self, shard_id: str) -> Path:
        return self.dir / f"shard-{shard_id}.parquet"

    def stats_path(self, shard_id: str) -> Path:
        return self.dir / f"shard-{shard_id}.stats.json"

    def done_path(self, shard_id: str) -> Path:
        return self.dir / f"shard-{shard_id}.done"

    @property
    def artifact_dir(self) -> Path:
        return self.dir / ARTIFACT

    def is_done(self, shard_id: str) -> bool:
        return self.done_path(shard_id).is_file()

    def done_shards(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.name[len("shard-"):-len(".done")] for p in self.dir.glob("shard-*.done"))

    def write_shard(self, table: pa.Table | None, stats: ShardStats) -> None:
        """Publish data, then stats, then the done marker (the order is the crash guarantee).

        Each file's content is fsynced before its rename; the directory is synced once, after
        the marker's rename, which makes all three renames durable together."""
        if table is not None:
            write_parquet(table, self.parquet(stats.shard_id), sync_dir=False)
        atomic_write_bytes(self.stats_path(stats.shard_id), stats.to_json(), sync_dir=False)
        atomic_write_bytes(self.done_path(stats.shard_id), self.fingerprint.encode())

    def read_shard(self, shard_id: str, columns: Iterable[str] | None = None) -> pa.Table:
        return self.read_parquet(self.dir, shard_id, columns)

    @staticmethod
    def read_parquet(directory: Path, shard_id: str,
                     columns: Iterable[str] | None = None) -> pa.Table:
        return pq.read_table(directory / f"shard-{shard_id}.parquet",
                             columns=None if columns is None else list(columns))

    def read_stats(self, shard_id: str) -> ShardStats:
        return ShardStats.from_json(self.stats_path(shard_id).read_bytes())

    # Stage-level completion ------------------------------------------------------------------
    @property
    def complete_path(self) -> Path:
        return self.dir / "_complete.json"

    def mark_complete(self, shard_langs: Mapping[str, str | None]) -> None:
        payload = {"fingerprint": self.fingerprint,
                   "shards": [{"id": s, "lang": shard_langs[s]} for s in sorted(shard_langs)]}
        atomic_write_bytes(self.complete_path, orjson.dumps(payload, option=orjson.OPT_INDENT_2))

    def completed_shards(self) -> dict[str, str | None] | None:
        """Shard id -> language of a completed stage output, or None while incomplete."""
        if not self.complete_path.is_file():
            return None
        payload: dict[str, Any] = orjson.loads(self.complete_path.read_bytes())
        return {s["id"]: s["lang"] for s in payload["shards"]}

    def invalidate(self) -> None:
        """Forget finished work (for `--force`): markers go first so a crash mid-way is safe."""
        if self.complete_path.exists():
            self.complete_path.unlink()
        for marker in self.dir.glob("shard-*.done") if self.dir.is_dir() else ():
            marker.unlink()
        if self.artifact_dir.exists():
            shutil.rmtree(self.artifact_dir)

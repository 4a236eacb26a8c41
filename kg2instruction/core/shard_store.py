"""The on-disk layout of one stage output, and the only code that writes or reads shards.

    <cache>/<run>/<stage>/<fingerprint[:16]>/
        shard-<id>.parquet      the rows (fixed Parquet settings: same table -> same bytes)
        shard-<id>.stats.json   rows in/out, funnel counters, seconds, language
        shard-<id>.done         written last; a shard without it does not exist
        artifact/               (artifact stages) the built file or directory
        _complete.json          the stage's shard list, written when every shard is done
        _mirror.json            (with `cache_url:`) where workers upload finished shards

Every file is published atomically, and the done marker only after the data and stats, so a
crash at any instant leaves either a finished shard or one that is recomputed on rerun.

With a cache mirror (`storage.cache_mirror`) the same directory lives at a URL too: a shard is
uploaded as soon as it is done (files, then its marker), `_complete.json` after every shard; and
when a stage starts (`completed_shards`), shards done in the mirror but not here are downloaded
(files, then the marker) instead of recomputed.
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
from kg2instruction.storage.cache_mirror import CacheMirror

FINGERPRINT_DIR_CHARS = 16
ARTIFACT = "artifact"
_ROW_GROUP_ROWS = 64_000
COMPLETE = "_complete.json"


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
    """One stage output directory (one fingerprint), and its mirror at a URL if the pipeline
    has one (`mirror`, given by the driver: `Pipeline.cache_mirror`)."""

    def __init__(self, root: Path, fingerprint: str, mirror: CacheMirror | None = None) -> None:
        self.fingerprint = fingerprint
        self.dir = root / fingerprint[:FINGERPRINT_DIR_CHARS]
        self.mirror = mirror

    @classmethod
    def in_worker(cls, root: Path, fingerprint: str) -> ShardStore:
        """The store as a worker sees it: the mirror is the one the driver recorded in the
        directory when the stage started."""
        store = cls(root, fingerprint)
        store.mirror = CacheMirror.load(store.dir)
        return store

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
        if self.mirror is not None:
            self._push([stats.shard_id])

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
        return self.dir / COMPLETE

    def mark_complete(self, shard_langs: Mapping[str, str | None]) -> None:
        payload = {"fingerprint": self.fingerprint,
                   "shards": [{"id": s, "lang": shard_langs[s]} for s in sorted(shard_langs)]}
        atomic_write_bytes(self.complete_path, orjson.dumps(payload, option=orjson.OPT_INDENT_2))
        if self.mirror is not None:
            self._push_complete(self.mirror.listing(), shard_langs)

    def completed_shards(self, *, sync: bool = True) -> dict[str, str | None] | None:
        """Shard id -> language of a completed stage output, or None while incomplete.

        This is where a run starts each stage, so with `sync` (a run; `kg2i status` reads
        without) the directory is first brought in line with the cache mirror: a stage complete
        here but not there is uploaded, shards done there but not here are downloaded."""
        if sync:
            self._sync_with_mirror()
        return self._local_complete()

    def _local_complete(self) -> dict[str, str | None] | None:
        if not self.complete_path.is_file():
            return None
        payload: dict[str, Any] = orjson.loads(self.complete_path.read_bytes())
        return {s["id"]: s["lang"] for s in payload["shards"]}

    def invalidate(self) -> None:
        """Forget finished work (for `--force`): markers go first so a crash mid-way is safe.
        The mirror's markers go too (else the stage would be downloaded, not recomputed)."""
        if self.mirror is not None:
            remote = self.mirror.listing()
            self.mirror.remove([COMPLETE] * (COMPLETE in remote))
            self.mirror.remove([self.done_path(s).name for s in _done_in(remote)]
                               + sorted(n for n in remote if n.startswith(ARTIFACT + "/")))
        if self.complete_path.exists():
            self.complete_path.unlink()
        for marker in self.dir.glob("shard-*.done") if self.dir.is_dir() else ():
            marker.unlink()
        if self.artifact_dir.exists():
            shutil.rmtree(self.artifact_dir)

    # The cache mirror (see `storage.cache_mirror`) ---------------------------------------------
    def _sync_with_mirror(self) -> None:
        if self.mirror is None:
            if self.dir.is_dir():
                CacheMirror.forget(self.dir)
            return
        self.mirror.save(self.dir)
        local = self._local_complete()
        if local is not None:
            if not self.mirror.exists(COMPLETE):
                self._push_complete(self.mirror.listing(), local)
            return
        remote = self.mirror.listing()
        done_here = set(self.done_shards())
        self._pull([s for s in _done_in(remote) if s not in done_here], remote)
        complete = self.mirror.read(COMPLETE) if COMPLETE in remote else None
        if complete is not None:
            payload = orjson.loads(complete)
            if payload["fingerprint"] == self.fingerprint and all(
                    self.is_done(s["id"]) for s in payload["shards"]):   # else edited by hand
                atomic_write_bytes(self.complete_path, complete)

    def _push(self, shard_ids: Iterable[str]) -> None:
        """Upload done shards: data, stats (and artifact files) of all, then their markers."""
        assert self.mirror is not None
        shard_ids = list(shard_ids)
        names = []
        for shard_id in shard_ids:
            if self.parquet(shard_id).is_file():
                names.append(self.parquet(shard_id).name)
            if shard_id == ARTIFACT and self.artifact_dir.is_dir():
                names += sorted(p.relative_to(self.dir).as_posix()
                                for p in self.artifact_dir.rglob("*") if p.is_file())
            names.append(self.stats_path(shard_id).name)
        self.mirror.upload(self.dir, names)
        self.mirror.upload(self.dir, [self.done_path(s).name for s in shard_ids])

    def _push_complete(self, remote: set[str], shard_langs: Iterable[str]) -> None:
        """Upload the shards the mirror lacks (done here before the mirror was configured, or
        by a worker killed before its upload), then `_complete.json`, last."""
        assert self.mirror is not None
        self._push([s for s in sorted(shard_langs) if self.done_path(s).name not in remote])
        self.mirror.upload(self.dir, [COMPLETE])

    def _pull(self, shard_ids: list[str], remote: set[str]) -> None:
        """Download shards done in the mirror: every file first, each renamed into place when
        whole, then the markers (written here: a marker holds only the fingerprint)."""
        assert self.mirror is not None
        if ARTIFACT in shard_ids:
            self.mirror.download_tree(self.dir, ARTIFACT, sorted(
                n for n in remote if n.startswith(ARTIFACT + "/")))
        prefixes = tuple(f"shard-{s}." for s in shard_ids)
        self.mirror.download(self.dir, sorted(n for n in remote if n.startswith(prefixes)
                                              and not n.endswith(".done")))
        for index, shard_id in enumerate(shard_ids):   # the last one syncs the directory
            atomic_write_bytes(self.done_path(shard_id), self.fingerprint.encode(),
                               sync_dir=index == len(shard_ids) - 1)


def _done_in(names: Iterable[str]) -> list[str]:
    """Shard ids whose done marker is among `names` (top-level object names)."""
    return sorted(n[len("shard-"):-len(".done")] for n in names
                  if n.startswith("shard-") and n.endswith(".done") and "/" not in n)

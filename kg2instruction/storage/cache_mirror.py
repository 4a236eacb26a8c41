"""The stage cache's durable mirror on object storage (the pipeline's `cache_url:`).

Stages compute in the local cache directory (DuckDB and the Parquet writer need local files);
`<cache_url>/<run>/<stage>/<fingerprint[:16]>/` holds a copy of each stage directory, so a fresh
machine, or a node that lost its scratch disk, resumes from the mirror instead of recomputing.
This module only moves files between one local stage directory and its URL; which files make a
shard, and in which order they travel (the done marker last, both ways), is `core.shard_store`'s
business. An object store has no rename, but each object is written by one PUT (whole or absent),
so uploading a shard's marker after its files gives the same guarantee as the local marker: a
remote marker means the shard's files are all there. Downloads land under a temporary name and
are renamed, so a kill mid-download leaves only `.tmp` files that `kg2i cache gc` removes.

Workers (a process pool, Ray tasks) learn the mirror from `_mirror.json` in the local stage
directory, written by the driver when the stage starts: the workers already share that directory
(they read their inputs from it), while the pipeline object stays on the driver. The file holds
the URL and the pipeline's `storage:` options only; the environment's options and credentials
are read where the upload happens, as for every other URL (`storage.location`).
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from kg2instruction.atomic import atomic_path, atomic_write_bytes
from kg2instruction.errors import RemoteError
from kg2instruction.storage.files import read_text
from kg2instruction.storage.location import filesystem, join
from kg2instruction.storage.publish import is_storage_failure

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

MIRROR_FILE = "_mirror.json"


@dataclass(frozen=True)
class CacheMirror:
    """The URL that mirrors one local stage output directory, and the options to reach it."""

    url: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of_stage(cls, cache_url: str, run: str, stage: str, directory: str,
                 options: Mapping[str, Any] | None = None) -> CacheMirror:
        return cls(str(join(cache_url, run, stage, directory)), dict(options or {}))

    # The link between a local stage directory and its mirror (for workers) -------------------
    def save(self, local_dir: Path) -> None:
        """Record this mirror in `local_dir` (unchanged if it already says the same)."""
        payload = orjson.dumps({"url": self.url, "options": dict(self.options)},
                               option=orjson.OPT_SORT_KEYS)
        path = local_dir / MIRROR_FILE
        if not (path.is_file() and path.read_bytes() == payload):
            local_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, payload)

    @classmethod
    def load(cls, local_dir: Path) -> CacheMirror | None:
        path = local_dir / MIRROR_FILE
        if not path.is_file():
            return None
        payload = orjson.loads(path.read_bytes())
        return cls(payload["url"], payload["options"])

    @staticmethod
    def forget(local_dir: Path) -> None:
        """The pipeline has no mirror (any more): workers must not upload."""
        (local_dir / MIRROR_FILE).unlink(missing_ok=True)

    # Transfers ---------------------------------------------------------------------------------
    @functools.cached_property
    def _fs(self) -> tuple[AbstractFileSystem, str]:
        return filesystem(self.url, self.options)

    def listing(self) -> set[str]:
        """Relative POSIX paths of every object under the mirror (one listing)."""
        fs, base = self._fs
        try:
            fs.invalidate_cache()           # another machine may have uploaded since
            found = fs.find(base) if fs.exists(base) else []
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            raise RemoteError(f"{self.url}: listing the cache mirror failed ({exc})") from None
        prefix = base.rstrip("/") + "/"
        return {name[len(prefix):] for name in found if name.startswith(prefix)}

    def exists(self, name: str) -> bool:
        fs, base = self._fs
        try:
            fs.invalidate_cache()
            return fs.exists(f"{base}/{name}")
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            raise RemoteError(f"{self.url}: reading the cache mirror failed ({exc})") from None

    def read(self, name: str) -> bytes | None:
        """A small object's bytes (None if absent)."""
        text = read_text(str(join(self.url, name)), self.options)
        return None if text is None else text.encode("utf-8")

    def upload(self, local_dir: Path, names: Iterable[str]) -> None:
        """Upload the local files `names` (relative POSIX paths), concurrently: a caller that
        needs an order (a marker after its files) makes two calls."""
        names = list(names)
        if not names:
            return
        fs, base = self._fs
        try:
            fs.put([str(local_dir / n) for n in names], [f"{base}/{n}" for n in names])
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            raise RemoteError(f"{self.url}: upload to the cache mirror failed ({exc}); what is "
                              "done locally is uploaded by the next run") from None

    def download(self, local_dir: Path, names: Iterable[str]) -> None:
        """Download `names` into `local_dir` concurrently, each to a temporary file (fsynced)
        that is renamed into place once all are whole."""
        self._download([(n, local_dir / n) for n in names])

    def download_tree(self, local_dir: Path, folder: str, names: Iterable[str]) -> None:
        """Download the files `names` (under `folder`) into a temporary folder renamed to
        `local_dir/folder` once all are there (an artifact: all of it or nothing)."""
        final = local_dir / folder
        if final.exists():                  # a half-built artifact of a crashed run
            shutil.rmtree(final)
        with atomic_path(final) as tmp:
            tmp.unlink()
            tmp.mkdir()
            self._download([(n, tmp / n[len(folder) + 1:]) for n in names])

    def _download(self, pairs: list[tuple[str, Path]]) -> None:
        if not pairs:
            return
        fs, base = self._fs
        temps = []
        for _, final in pairs:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
            os.close(fd)
            temps.append(tmp)
        try:
            fs.get([f"{base}/{name}" for name, _ in pairs], temps)
            for tmp, (_, final) in zip(temps, pairs):
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, final)
        except Exception as exc:
            for tmp in temps:
                Path(tmp).unlink(missing_ok=True)
            if not is_storage_failure(exc):
                raise
            raise RemoteError(f"{self.url}: download from the cache mirror failed ({exc})"
                              ) from None

    def remove(self, names: Iterable[str]) -> None:
        """Delete objects, in bulk (a caller that needs an order makes several calls)."""
        paths = [f"{self._fs[1]}/{name}" for name in names]
        if not paths:
            return
        fs = self._fs[0]
        try:
            fs.rm(paths)
        except FileNotFoundError:           # some were gone already: the rest one by one
            for path in paths:
                if fs.exists(path):
                    fs.rm_file(path)
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            raise RemoteError(f"{self.url}: removal from the cache mirror failed ({exc})"
                              ) from None

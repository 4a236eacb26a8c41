"""Atomic file publication: write to a temporary sibling, fsync, then rename.

A crash or a full disk mid-write must never leave a half-written file under the final name, so
readers only ever see complete outputs (the shard cache and dataset publication depend on this).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# mkstemp creates files 0600; published outputs get the usual permissions (0666 minus umask).
_UMASK = os.umask(0)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_path(final: str | Path, *, sync_dir: bool = True) -> Iterator[Path]:
    """Yield a temporary path in the same directory; rename it to `final` only on success.

    `sync_dir=False` skips the directory fsync after the rename, for a writer that publishes
    several files in one directory and syncs it once after the last (the shard cache)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if tmp.is_file():
            os.chmod(tmp, _FILE_MODE)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, final)
        if sync_dir:
            _fsync_dir(final.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            if tmp.is_dir():
                import shutil

                shutil.rmtree(tmp)
            else:
                tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_open(final: str | Path, mode: str = "w", encoding: str | None = "utf-8", *,
                sync_dir: bool = True) -> Iterator[IO]:
    """Open a file for writing that appears under `final` only once fully written."""
    if "b" in mode:
        encoding = None
    with atomic_path(final, sync_dir=sync_dir) as tmp, open(tmp, mode, encoding=encoding) as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_text(final: str | Path, text: str) -> None:
    with atomic_open(final, "w") as fh:
        fh.write(text)


def atomic_write_bytes(final: str | Path, data: bytes, *, sync_dir: bool = True) -> None:
    with atomic_open(final, "wb", sync_dir=sync_dir) as fh:
        fh.write(data)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""Input files (dumps, corpora, extract archives) at a URL, read in place through fsspec.

The readers were written against `pathlib.Path`: they take `.name` (the `source` column of every
row), `.suffixes` (format detection), `.stat().st_size` and `.is_dir()`, and open the bytes. A
`RemotePath` answers those few questions for a URL, so a reader calls `input_path(path)` where it
called `Path(path)` and reads a dump on S3 exactly as a local one: same rows, same `source`.

Opening gives fsspec's file object, which streams (range requests, read-ahead blocks) and is
seekable, as indexed_bzip2's parallel decoder and `zipfile` need. A `RemotePath` carries its
storage options (the pipeline's `storage:` block, from `Pipeline.source_path`) to the worker
that reads it, where the environment's (`KG2I_STORAGE_OPTIONS`, AWS_*) still win.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from kg2instruction.errors import InputError, RemoteError
from kg2instruction.storage.location import filesystem, is_url

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


@dataclass(frozen=True)
class _Stat:
    st_size: int


class RemotePath:
    """A file (or folder) at a URL, with the few pathlib attributes the readers and the
    publishers use (name, suffixes, stat, is_dir, open)."""

    def __init__(self, url: str, options: Mapping[str, Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.options = dict(options or {})
        self._posix = PurePosixPath(self.url.split("://", 1)[1])

    def __getstate__(self) -> dict[str, Any]:       # to a worker: no live filesystem object
        return {"url": self.url, "options": self.options, "_posix": self._posix}

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemotePath({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemotePath) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    @property
    def name(self) -> str:
        return self._posix.name

    @property
    def suffix(self) -> str:
        return self._posix.suffix

    @property
    def suffixes(self) -> list[str]:
        return self._posix.suffixes

    @functools.cached_property
    def _fs(self) -> tuple[AbstractFileSystem, str]:
        return filesystem(self.url, self.options)

    def info(self) -> Mapping[str, Any]:
        fs, path = self._fs
        try:
            return fs.info(path)
        except FileNotFoundError:
            raise InputError(self.url, "file not found") from None
        except OSError as exc:
            raise RemoteError(f"{self.url}: {exc}") from None

    def stat(self) -> _Stat:
        return _Stat(int(self.info()["size"]))

    def is_dir(self) -> bool:
        fs, path = self._fs
        return fs.isdir(path)

    def is_file(self) -> bool:
        fs, path = self._fs
        return fs.isfile(path)

    def open(self, mode: str = "rb") -> IO[bytes]:
        """A seekable, streaming binary file object (closing it is the caller's job)."""
        if mode != "rb":
            raise ValueError("inputs are read-only")
        fs, path = self._fs
        try:
            return fs.open(path, "rb")
        except FileNotFoundError:
            raise InputError(self.url, "file not found") from None
        except IsADirectoryError:
            raise InputError(self.url, "expected a file, found a directory") from None
        except OSError as exc:
            raise RemoteError(f"{self.url}: {exc}") from None

    def read_range(self, start: int, end: int) -> bytes:
        """Bytes [start, end) in one range request."""
        fs, path = self._fs
        try:
            return fs.cat_file(path, start=start, end=end)
        except OSError as exc:
            raise RemoteError(f"{self.url}: {exc}") from None

    def members(self) -> list[str]:
        """Files under this folder URL, as relative POSIX names (for extract folders)."""
        fs, path = self._fs
        prefix = path.rstrip("/") + "/"
        return sorted(name[len(prefix):] for name in fs.find(path) if name.startswith(prefix))

    def read_member(self, name: str) -> bytes:
        fs, path = self._fs
        return fs.cat_file(f"{path.rstrip('/')}/{name}")


def input_path(path: str | Path | RemotePath) -> Path | RemotePath:
    """`Path(path)` for a local path, a `RemotePath` for a URL (unchanged if already one)."""
    if isinstance(path, (Path, RemotePath)):
        return path
    return RemotePath(path) if is_url(path) else Path(path)


def open_input(path: Path | RemotePath) -> IO[bytes]:
    """The raw bytes of an input file (no decompression: see `sources.compressed`)."""
    if isinstance(path, RemotePath):
        return path.open("rb")
    return open(path, "rb")

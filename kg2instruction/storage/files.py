"""Small whole-file reads and writes on a local path or a URL (the refresh's history and changelog).

Locally a write is atomic (`atomic.atomic_write_text`: temporary file, fsync, rename); on an object
store a write is one PUT, which is atomic by itself. Either way a reader sees the old text or the
new, never half of it.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import RemoteError
from kg2instruction.storage.location import filesystem, is_url


def read_text(target: str | Path, options: Mapping[str, Any] | None = None) -> str | None:
    """The file's UTF-8 text, or None when there is no such file."""
    if not is_url(target):
        path = Path(target)
        return path.read_text(encoding="utf-8") if path.is_file() else None
    fs, path = filesystem(str(target), options)
    try:
        return fs.cat_file(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RemoteError(f"{target}: {exc}") from None


def write_text(target: str | Path, text: str, options: Mapping[str, Any] | None = None) -> None:
    """Replace the file's content with `text`, atomically (see the module docstring)."""
    if not is_url(target):
        atomic_write_text(target, text)
        return
    fs, path = filesystem(str(target), options)
    try:
        fs.pipe_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise RemoteError(f"{target}: {exc}") from None


def open_read(target: str | Path, options: Mapping[str, Any] | None = None) -> IO[bytes]:
    """A seekable binary file object (for Parquet readers)."""
    if not is_url(target):
        return open(target, "rb")
    fs, path = filesystem(str(target), options)
    try:
        return fs.open(path, "rb")
    except OSError as exc:
        raise RemoteError(f"{target}: {exc}") from None

"""Errors that reach the user.

Every rejection of input must say *what* was expected and *where* (file, line, record, key), so an
operator can fix the input without reading a traceback. The CLI maps these to exit code 2.
"""
from __future__ import annotations

from pathlib import Path


class KG2IError(Exception):
    """Base class: a user-facing failure with a clear message (exit code 2 at the CLI)."""

    exit_code = 2


class InputError(KG2IError):
    """Bad input data: names the source and the position inside it."""

    def __init__(self, source: str | Path, message: str, *, line: int | None = None,
                 record: str | None = None, offset: int | None = None) -> None:
        self.source = str(source)
        self.line = line
        self.record = record
        self.offset = offset
        where = self.source
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", record {record}"
        if offset is not None:
            where += f", byte offset {offset}"
        super().__init__(f"{where}: {message}")


class ConfigError(KG2IError):
    """Invalid configuration (pipeline, theme, overlay): names the file, line and key."""

    def __init__(self, message: str, *, path: str | Path | None = None,
                 line: int | None = None, key: str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.key = key
        parts = [p for p in (self.path, None if line is None else f"line {line}",
                             None if key is None else f"key '{key}'") if p]
        super().__init__(f"{': '.join([', '.join(parts), message]) if parts else message}")


class RemoteError(KG2IError):
    """A remote service (SPARQL endpoint, dump mirror) failed after retries."""

"""One holder at a time of a named activity (a refresh, a KG build): an `fcntl.flock` on a file.

The kernel drops a flock when its holder dies, so a lock left by a killed process is never in
force; the pid/host/time written into the file only tell the operator who holds a live lock, and
let the next holder report that it took over after a dead one ("stale") and clean up after it.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path
from types import TracebackType

from kg2instruction.errors import KG2IError


class Locked(KG2IError):
    """Another process holds the lock (exit code 3: retry later, not a configuration error)."""

    exit_code = 3


class ExclusiveLock:
    """Context manager; `stale_holder` is the previous holder's record if it died holding it."""

    def __init__(self, path: Path, activity: str, error: type[Locked] = Locked) -> None:
        self.path = Path(path)
        self.activity = activity
        self._error = error
        self._fd: int | None = None
        self.stale_holder: dict[str, object] | None = None

    def __enter__(self) -> ExclusiveLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise self._error(f"{self.path}: another {self.activity} is running "
                              f"(pid {holder.get('pid', '?')} on {holder.get('host', '?')} "
                              f"since {holder.get('since', '?')})") from None
        previous = _read_holder(fd)
        if previous.get("pid"):
            self.stale_holder = previous      # written by a holder that did not release cleanly
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                  "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
                  .encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._fd is not None
        os.ftruncate(self._fd, 0)          # a clean release leaves no holder record
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> dict[str, object]:
    raw = os.pread(fd, 4096, 0)
    try:
        holder = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}

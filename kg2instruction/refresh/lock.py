"""One refresh at a time per refresh root: an exclusive lock on `<root>/refresh.lock`."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.storage.exclusive_lock import ExclusiveLock, Locked


class RefreshLocked(Locked):
    """Another refresh holds the lock (exit code 3: retry later)."""


class RefreshLock(ExclusiveLock):
    def __init__(self, path: Path) -> None:
        super().__init__(path, "refresh", RefreshLocked)

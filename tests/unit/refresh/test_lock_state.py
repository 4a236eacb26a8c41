"""The refresh lock (one at a time, stale holders detected) and the resumable state file."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg2instruction.errors import InputError
from kg2instruction.refresh.lock import RefreshLock, RefreshLocked
from kg2instruction.refresh.state import StateFile

HOLD = textwrap.dedent("""
    import sys, time
    from kg2instruction.refresh.lock import RefreshLock
    with RefreshLock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(60)
""")


def _holder(lock: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_refresh_is_refused_while_the_first_runs(tmp_path):
    lock = tmp_path / "refresh.lock"
    proc = _holder(lock)
    try:
        with pytest.raises(RefreshLocked, match=f"pid {proc.pid}"), RefreshLock(lock):
            pass
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_killed_refresh_is_stale_and_taken_over(tmp_path):
    lock = tmp_path / "refresh.lock"
    proc = _holder(lock)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with RefreshLock(lock) as held:
        assert held.stale_holder is not None and held.stale_holder["pid"] == proc.pid
    with RefreshLock(lock) as held:           # a clean release leaves no holder behind
        assert held.stale_holder is None


def test_state_resumes_only_the_same_target(tmp_path):
    states = StateFile(tmp_path / "state.json")
    state = states.load({"dump": "20250101"})
    states.record(state, "download", {"path": "x"})
    again = StateFile(tmp_path / "state.json").load({"dump": "20250101"})
    assert again.finished("download") and again.done["download"] == {"path": "x"}
    other = StateFile(tmp_path / "state.json").load({"dump": "20250108"})
    assert not other.finished("download")


def test_corrupt_state_is_named(tmp_path):
    (tmp_path / "state.json").write_bytes(b"{\"target\": 1, ")
    with pytest.raises(InputError, match="state.json"):
        StateFile(tmp_path / "state.json").load({})

"""Subprocess drivers that inject real faults into a real `kg2i` process.

    python -m tests.integration.faults.drivers fsize <bytes> -- <kg2i args>
        every file the process writes is capped at <bytes> (RLIMIT_FSIZE; SIGXFSZ ignored, so a
        write past the cap fails with EFBIG exactly like a full disk).
    python -m tests.integration.faults.drivers fsize-at <module:function> <bytes> -- <kg2i args>
        the same cap, from the first call of the function on (a disk that fills up exactly when,
        say, a dataset is published, whatever the sizes of what was written before).
    python -m tests.integration.faults.drivers kill-at <module:function> <n> -- <kg2i args>
        the process SIGKILLs itself on the n-th call of the function (a crash at an exact,
        reproducible instant: e.g. `os:rename` = just before a dataset version is published).

Both exit like the CLI would (code 2 for a clean user-facing error); the tests check what is
left on disk.
"""
from __future__ import annotations

import importlib
import os
import resource
import signal
import sys


def _cap_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _on_call(target: str, nth: int, action) -> None:
    """Run `action` just before the n-th call of `module:function` (patched before the CLI
    imports it, so `from module import function` sees the wrapper)."""
    module_name, attr = target.split(":")
    module = importlib.import_module(module_name)
    original = getattr(module, attr)
    calls = 0

    def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == nth:
            action()
        return original(*args, **kwargs)

    setattr(module, attr, wrapper)


def main(argv: list[str]) -> int:
    split = argv.index("--")
    mode, *params = argv[:split]
    if mode == "fsize":
        _cap_file_size(int(params[0]))
    elif mode == "fsize-at":
        _on_call(params[0], 1, lambda: _cap_file_size(int(params[1])))
    elif mode == "kill-at":
        _on_call(params[0], int(params[1]), lambda: os.kill(os.getpid(), signal.SIGKILL))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    from kg2instruction.cli import main as cli_main

    return cli_main(argv[split + 1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

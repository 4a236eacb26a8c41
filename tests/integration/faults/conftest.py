"""Helpers of the fault tests: run kg2i in a subprocess under a fault driver."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[3]


def run_kg2i(args: list[str], *, fault: list[str] | None = None, cwd: Path = REPO,
             timeout: float = 900) -> subprocess.CompletedProcess:
    """`kg2i args` in a fresh interpreter, under `fault` (driver mode and parameters) if given."""
    if fault is None:
        command = [sys.executable, "-m", "kg2instruction.cli", *args]
    else:
        command = [sys.executable, "-m", "tests.integration.faults.drivers", *fault, "--", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_env())


def popen_kg2i(args: list[str], cwd: Path = REPO) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg2instruction.cli", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env

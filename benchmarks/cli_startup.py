"""CLI start-up benchmark: how long `kg2i --help` (and a subcommand's help) takes to answer.

A command line that takes seconds to print its help is one nobody explores. Every command module
imports its heavy libraries (torch, transformers, ROUGE/nltk, Ray, DuckDB, pyarrow) inside the
command that needs them, so building the app costs only typer and rich. Measured in one run,
interleaved, each call a fresh process:

1. `python -c pass` (the interpreter alone: the baseline the ratio is stated against),
2. `python -c "import typer, typer.rich_utils"` (the floor any typer CLI with rich help pays),
3. `kg2i --help` and `kg2i run --help`.

Reported: the fastest of `--repeat` runs of each (wall time, and CPU time of the child, which a
shared machine's load disturbs less), the ratio of each help to the interpreter alone and to the
typer floor, and which heavy libraries the help imported (should be none).

Usage: python benchmarks/cli_startup.py [--repeat 7] [--results benchmarks/results]
Results: <results>/cli_startup.json and <results>/cli_startup.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg2instruction.atomic import atomic_write_text  # noqa: E402

HEAVY = ("torch", "transformers", "nltk", "rouge_score", "sklearn", "scipy", "datasets", "ray",
         "spacy", "duckdb", "pyarrow", "numpy", "pandas", "matplotlib", "requests", "peft")
TARGET_SECONDS = 0.5
_IMPORTED = ("import contextlib, io, sys\nfrom kg2instruction.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])\n"
             f"print('\\n'.join(m for m in {HEAVY!r} if m in sys.modules))")


def kg2i_command() -> list[str]:
    """The installed console script beside this interpreter (what a user runs), else `-m`."""
    script = shutil.which("kg2i", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "kg2instruction.cli"]


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run(repeat: int) -> dict:
    kg2i = kg2i_command()
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "import typer (rich help)": [sys.executable, "-c",
                                             "import typer, typer.rich_utils"],
                "kg2i --help": [*kg2i, "--help"],
                "kg2i run --help": [*kg2i, "run", "--help"]}
    runs: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(repeat):   # interleaved, so every command sees the same machine load
        print(f"run {attempt + 1}/{repeat} ...", flush=True)
        for name, command in commands.items():
            wall, used = timed(command)
            runs[name].append(wall)
            cpu[name].append(used)
    best = {name: min(times) for name, times in runs.items()}
    imported = subprocess.run([sys.executable, "-c", _IMPORTED], check=True, cwd=REPO,
                              capture_output=True, text=True).stdout.split()
    baseline, floor = best["python -c pass"], best["import typer (rich help)"]
    return {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "load_avg": os.getloadavg()},
        "repeat": repeat, "seconds": best, "all_seconds": runs,
        "cpu_seconds": {name: min(times) for name, times in cpu.items()},
        "ratio_to_python": {n: best[n] / baseline for n in ("kg2i --help", "kg2i run --help")},
        "ratio_to_typer": {n: best[n] / floor for n in ("kg2i --help", "kg2i run --help")},
        "heavy_modules_imported_by_help": imported,
        "target_seconds": TARGET_SECONDS,
    }


def to_markdown(results: dict) -> str:
    seconds, machine = results["seconds"], results["machine"]
    rows = "\n".join(
        f"| `{name}` | {value:.3f} s | {results['cpu_seconds'][name]:.3f} s | "
        f"{results['ratio_to_python'].get(name, value / seconds['python -c pass']):.1f}x |"
        for name, value in seconds.items())
    help_seconds = seconds["kg2i --help"]
    met = "met" if help_seconds < results["target_seconds"] else "NOT met"
    heavy = ", ".join(results["heavy_modules_imported_by_help"]) or "none"
    return (
        "# CLI start-up benchmark\n\n"
        f"Machine: {machine['cpus']} CPUs (shared; load average {machine['load_avg'][0]:.1f}), "
        f"Python {machine['python']}. Each command ran {results['repeat']} times, interleaved, "
        "in a fresh process; the fastest run counts.\n\n"
        "| command | wall time | CPU time | wall / `python -c pass` |\n|---|---|---|---|\n"
        f"{rows}\n\n"
        f"**`kg2i --help`: {help_seconds:.3f} s** (target < {results['target_seconds']} s: "
        f"{met}); {results['ratio_to_typer']['kg2i --help']:.2f}x the bare typer + rich import "
        "every typer CLI with rich help pays.\n\n"
        f"Heavy libraries imported by `kg2i --help`: {heavy}.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    args = parser.parse_args()
    results = run(args.repeat)
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.results / "cli_startup.json", json.dumps(results, indent=2) + "\n")
    markdown = to_markdown(results)
    atomic_write_text(args.results / "cli_startup.md", markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())

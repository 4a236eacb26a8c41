"""`kg2i --help` (and every subcommand's help) must not import the heavy libraries.

Structural, not timed: a fresh interpreter builds the CLI, asks every command for its help, then
reports which heavy modules ended up in `sys.modules`. Any command module that imports torch,
ROUGE, Ray, DuckDB... at module level (directly or through a package `__init__`) fails this.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("torch", "transformers", "nltk", "rouge_score", "sklearn", "scipy", "datasets", "ray",
         "spacy", "duckdb", "pyarrow", "numpy", "pandas", "matplotlib", "requests", "peft",
         "SPARQLWrapper", "rdflib", "jieba", "opencc", "mwparserfromhell")

_PROBE = """
import contextlib, io, json, sys
import typer.main
from kg2instruction.cli import build_app, main

def walk(command, prefix):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, prefix + [name])

paths = list(walk(typer.main.get_command(build_app()), []))
codes = {}
with contextlib.redirect_stdout(io.StringIO()) as out:
    for path in paths:
        codes[" ".join(path) or "(root)"] = main(path + ["--help"])
print(json.dumps({"codes": codes, "help_chars": len(out.getvalue()),
                  "modules": sorted(m.split(".")[0] for m in sys.modules)}))
"""


def _probe(code: str) -> dict:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_help_answers_without_heavy_imports() -> None:
    report = _probe(_PROBE)
    assert len(report["codes"]) > 20                  # root, groups and every command
    assert set(report["codes"].values()) == {0}, report["codes"]
    assert report["help_chars"] > 1000
    assert sorted(set(HEAVY) & set(report["modules"])) == []


def test_console_script_help_imports_nothing_heavy() -> None:
    """The real entry point (`python -m kg2instruction.cli --help`), checked with -X importtime."""
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kg2instruction.cli",
                           "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "typer" in imported                         # the probe does see imports
    assert sorted(set(HEAVY) & imported) == []


def test_lazy_package_exports_still_resolve() -> None:
    """Package `__init__`s export lazily; the names must still import and stay light until used."""
    report = _probe("""
import json, sys
import kg2instruction.core, kg2instruction.ner, kg2instruction.values, kg2instruction.evaluate
light = sorted(m.split(".")[0] for m in sys.modules)
from kg2instruction.core import MapStage, StageConfig, register_stage
from kg2instruction.ner import NerModel
from kg2instruction.values import render_time
from kg2instruction.evaluate import MatchMode, evaluate_files
import kg2instruction.core as core
print(json.dumps({"modules": light, "names": [MapStage.__name__, NerModel.__name__,
                  render_time.__name__, MatchMode.NORMAL.value, evaluate_files.__name__],
                  "dir_has_stage": "MapStage" in dir(core)}))
""")
    assert report["names"] == ["MapStage", "NerModel", "render_time", "normal", "evaluate_files"]
    assert report["dir_has_stage"]
    assert sorted(set(HEAVY) & set(report["modules"])) == []

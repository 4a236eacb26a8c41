"""Build throw-away pipeline projects (pipeline YAML, themes dir, inputs) for framework tests."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from kg2instruction.cli import main as kg2i

PLUGIN = "tests.integration.dag.toy_stages"
TOY_THEME = """\
theme: person
name: {en: Person, zh: 人物}
relations:
  - label: {en: place of birth, zh: 出生地点}
    pids: [P19]
    templates: {en: ["[X] was born in [Y]."], zh: ["[X]出生于[Y]。"]}
"""


def make_project(root: Path, stages: dict[str, Any], sources: dict[str, Any],
                 inputs: dict[str, Path], **settings: Any) -> Path:
    """A project dir with `pipelines/test.yaml`, `themes/person.yaml` and linked inputs."""
    (root / "pipelines").mkdir(parents=True, exist_ok=True)
    (root / "themes").mkdir(exist_ok=True)
    (root / "themes" / "person.yaml").write_text(TOY_THEME, encoding="utf-8")
    (root / "data").mkdir(exist_ok=True)
    for name, target in inputs.items():
        link = root / "data" / name
        if not link.exists():
            os.symlink(target, link)
    doc = {"name": "test", "base_dir": "..", "cache": "cache", "plugins": [PLUGIN],
           "sources": sources, "stages": stages, **settings}
    path = root / "pipelines" / "test.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def run(pipeline: Path, *args: str, theme: str = "person") -> int:
    return kg2i(["run", "--pipeline", str(pipeline), "--theme", theme, *args])


def parquet_bytes(cache_run_dir: Path) -> dict[str, bytes]:
    """Every output Parquet file under a run's cache dir, keyed by stage/fingerprint/shard."""
    return {str(p.relative_to(cache_run_dir)): p.read_bytes()
            for p in sorted(cache_run_dir.glob("*/*/shard-*.parquet"))}

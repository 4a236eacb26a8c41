"""The cache can live anywhere: `--cache-dir` > `KG2I_CACHE_DIR` > the pipeline's `cache_dir:` >
its `cache:` (inside the project) > `<project>/cache`; relative values resolve against the working
directory (option, variable) or the pipeline file's folder (YAML), never the other way round."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from kg2instruction.cli import main as kg2i
from kg2instruction.config.pipeline import CACHE_ENV, load_pipeline, set_cache_dir_override
from kg2instruction.errors import ConfigError
from tests.integration.dag.project import make_project, run

LINES = ["the cat of the house", "a dog", "of mice and men", "x", "the end of the line"]


def _project(root: Path, **settings) -> Path:
    lines = root.parent / f"{root.name}-lines.txt"
    lines.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return make_project(root, {"toy_lines": {"lines_per_shard": 2},
                               "toy_upper": {"min_tokens": 2}},
                        {"lines": {"path": "data/lines.txt", "name": "a"}},
                        {"lines.txt": lines}, **settings)


def _set_yaml(pipeline: Path, **keys) -> None:
    doc = yaml.safe_load(pipeline.read_text(encoding="utf-8"))
    doc.pop("cache", None)
    doc.pop("cache_dir", None)
    doc.update(keys)
    pipeline.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_override():
    set_cache_dir_override(None)
    yield
    set_cache_dir_override(None)


def test_precedence_option_then_environment_then_yaml(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = _project(tmp_path / "project")
    _set_yaml(pipeline, cache_dir="../../yaml-cache")       # relative to pipelines/
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert load_pipeline(pipeline).cache_root == tmp_path / "yaml-cache"
    assert load_pipeline(pipeline).cache_origin == "cache_dir"
    monkeypatch.setenv(CACHE_ENV, "env-cache")              # relative to the working directory
    assert load_pipeline(pipeline).cache_root == elsewhere / "env-cache"
    set_cache_dir_override(tmp_path / "option-cache")
    assert load_pipeline(pipeline).cache_root == tmp_path / "option-cache"
    set_cache_dir_override(None)
    monkeypatch.delenv(CACHE_ENV)
    _set_yaml(pipeline)                                     # neither key: <project>/cache
    assert load_pipeline(pipeline).cache_root == tmp_path / "project" / "cache"


def test_cache_and_cache_dir_together_is_a_config_error(tmp_path: Path) -> None:
    pipeline = _project(tmp_path / "project")
    _set_yaml(pipeline, cache="cache", cache_dir="/tmp/x")
    with pytest.raises(ConfigError, match="not both"):
        load_pipeline(pipeline)


def test_run_from_another_directory_writes_only_to_the_given_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    project = tmp_path / "project"
    pipeline = _project(project)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run(pipeline, "--cache-dir", "my-cache") == 0
    cache = elsewhere / "my-cache" / "test"
    manifest = orjson.loads((cache / "manifests" / "person.json").read_bytes())
    assert manifest["status"] == "complete"
    upper = Path(manifest["stages"]["toy_upper"]["output"])
    assert upper.is_absolute() and upper.parent.parent == cache
    assert sorted(p.name for p in upper.glob("*.parquet")) == [
        "shard-a-00000.parquet", "shard-a-00001.parquet", "shard-a-00002.parquet"]
    assert not (project / "cache").exists()

    # the variable finds the same run: nothing recomputed, status sees every shard done
    monkeypatch.setenv(CACHE_ENV, str(elsewhere / "my-cache"))
    assert run(pipeline) == 0
    again = orjson.loads((cache / "manifests" / "person.json").read_bytes())
    assert all(s["shards_computed"] == 0 for s in again["stages"].values())
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "40")                     # off a terminal: a fixed width
    assert kg2i(["status", "--pipeline", str(pipeline), "--theme", "person"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if "toy_upper" in line]
    assert any("3/3" in row and "map" in row for row in rows)   # one row, one line
    shown = " ".join(out.split())                   # the caption wraps at the table's width
    assert "from KG2I_CACHE_DIR" in shown
    assert kg2i(["cache", "gc", "--pipeline", str(pipeline), "--dry-run"]) == 0
    assert "would remove 0 unreferenced outputs" in capsys.readouterr().out
    assert not (project / "cache").exists()


def test_yaml_cache_dir_is_relative_to_the_pipeline_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    pipeline = _project(project)
    _set_yaml(pipeline, cache_dir="../../yaml-dir-cache")
    monkeypatch.delenv(CACHE_ENV, raising=False)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert run(pipeline) == 0
    assert (tmp_path / "yaml-dir-cache" / "test" / "manifests" / "person.json").is_file()
    assert not (elsewhere / "yaml-dir-cache").exists() and not (project / "cache").exists()


def test_root_option_reaches_the_command_and_does_not_leak(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = _project(tmp_path / "project")
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert kg2i(["--cache-dir", str(tmp_path / "root-opt"), "run", "--pipeline", str(pipeline),
                 "--theme", "person"]) == 0
    assert (tmp_path / "root-opt" / "test" / "manifests" / "person.json").is_file()
    assert load_pipeline(pipeline).cache_origin != "--cache-dir"     # cleared when main returns
    assert run(pipeline) == 0     # a later call without the option uses the project's cache
    assert (tmp_path / "project" / "cache" / "test" / "manifests" / "person.json").is_file()

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.integration.dag.project import make_project, run

REPO = Path(__file__).resolve().parents[3]
PARAGRAPH_STAGES = {
    "read_wikipedia": {"pages_per_shard": 20},
    "toy_tokens": {"min_tokens": 60},
    "toy_histogram": {"bucket": 50},
}
ENWIKI_SOURCES = {"wikipedia": [{"path": "data/enwiki.xml.bz2", "lang": "en"}]}


def enwiki_inputs(sample_dir: Path) -> dict[str, Path]:
    return {"enwiki.xml.bz2": sample_dir / "enwiki-sample.xml.bz2"}


def manifest(project_root: Path, pipeline: str = "test", theme: str = "person") -> dict:
    return orjson.loads((project_root / "cache" / pipeline / "manifests" / f"{theme}.json")
                        .read_bytes())


@pytest.fixture(scope="module")
def enwiki_done(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """A project whose pipeline (real enwiki sample -> 6 paragraph shards -> map -> reduce) has
    run once with the local executor. Tests copy it rather than rerun the dump reader."""
    root = tmp_path_factory.mktemp("enwiki_done")
    pipeline = make_project(root, PARAGRAPH_STAGES, ENWIKI_SOURCES, enwiki_inputs(sample_dir))
    assert run(pipeline) == 0
    return root


@pytest.fixture()
def enwiki_project(enwiki_done: Path, tmp_path: Path) -> Path:
    """A private copy of `enwiki_done` (its pipeline file is `pipelines/test.yaml`)."""
    copy = tmp_path / "project"
    shutil.copytree(enwiki_done, copy, symlinks=True)
    return copy


@pytest.fixture(scope="session")
def ray_session() -> Iterator[None]:
    """One real local Ray for the whole session (starting Ray costs seconds)."""
    ray = pytest.importorskip("ray")
    # Workers import the test stages (plugins) by module name.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield
    ray.shutdown()
